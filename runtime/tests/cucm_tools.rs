//! The CUCM tools end to end: the official Python MCP SDK against ai-bridge, ai-bridge against
//! uc-sim over HTTPS (its certificate trusted through SERVER_CUCM_SSL_CA_BUNDLE). Each default
//! profile's allowed and denied calls, exact rate limits, profile hot reload, encrypted
//! credentials, AXL faults, throttling retries, paging and RisPort StateInfo; IM and Presence
//! AXL and Unity Connection CUPI the same way.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{call, err, free_port, mcp_session, ok, Session};
use serde_json::{json, Value};

struct Bridge {
    _dir: tempfile::TempDir,
    root: PathBuf,
    base: String,
    ca: String,
    host: String,
    sim: uc_sim::Running,
    running: ai_bridge::serve::Running,
}

const CLIENTS: &str = "adm:alice:admin,op:oscar:operator,aud:ursula:auditor,tight:tom:tight";

/// A profile for limit and reload tests: 3 AXL calls and 4 common calls per minute.
const TIGHT: &str = r#"{
  "description": "test profile with small limits",
  "product_scope": ["cucm"],
  "cucm": {
    "axl": {"rate_limit": 3, "allowed_prefixes": ["get", "list"]},
    "credentials": {"allowed_actions": ["store"]}
  },
  "common": {"report": {"rate_limit": 4}}
}"#;

async fn start(sim_config: uc_sim::SimConfig, extra_env: &str) -> Bridge {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let sim = uc_sim::start(sim_config, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let sim_ca = root.join("sim-ca.pem");
    std::fs::write(&sim_ca, &sim.cert_pem).unwrap();
    std::fs::create_dir_all(root.join("profiles")).unwrap();
    std::fs::write(root.join("profiles/tight.json"), TIGHT).unwrap();
    let port = free_port();
    let env = format!(
        "MCP_SERVER_HOST=127.0.0.1\nMCP_SERVER_PORT={port}\nAUTH_RSA_KEY_SIZE=2048\nAUTH_CLIENTS={CLIENTS}\n\
         LOGGING_CONSOLE_ENABLED=0\nSERVER_CUCM_SSL_CA_BUNDLE={ca}\nSERVER_CUCM_AXL_PAGE_SIZE=40\n\
         SERVER_CUCM_PHONE_HTTP_PORT={}\nSERVER_CUC_SSL_CA_BUNDLE={ca}\n\
         SERVER_IMP_SSL_CA_BUNDLE={ca}\nSERVER_IMP_AXL_PAGE_SIZE=2\n{extra_env}",
        sim.phones.first().map_or(80, |p| p.addr.port()),
        ca = sim_ca.display(),
    );
    std::fs::write(root.join(".env"), env).unwrap();
    let running = ai_bridge::serve::start(&root).await.unwrap();
    Bridge {
        _dir: dir,
        base: format!("https://127.0.0.1:{port}"),
        ca: root.join("secrets/server.crt").display().to_string(),
        host: sim.addr.to_string(),
        root,
        sim,
        running,
    }
}

impl Bridge {
    fn token(&self, client: &str) -> String {
        std::fs::read_to_string(self.root.join(format!("clients/{client}/secrets/.token")))
            .unwrap()
            .trim()
            .to_string()
    }

    /// One MCP session of `client` running `steps` ([{tool, args}]) in order.
    async fn session(&self, client: &str, steps: Value) -> Session {
        mcp_session(&self.base, &self.ca, &self.token(client), steps).await
    }

    fn store_credentials_for(&self, client: &str) {
        self.store_kind_for(client, ai_bridge::credentials::Kind::Axl);
    }

    fn store_kind_for(&self, client: &str, kind: ai_bridge::credentials::Kind) {
        self.store_at(client, &self.host, kind);
    }

    /// The simulator's login stored for `client` under `host` (CUCM, IM&P or CLI address).
    fn store_at(&self, client: &str, host: &str, kind: ai_bridge::credentials::Kind) {
        let mut store = ai_bridge::credentials::CredentialStore::open(&self.running.state.config, client).unwrap();
        store
            .put(
                host,
                kind,
                ai_bridge::credentials::Credential {
                    username: self.sim.sim.config.username.clone(),
                    password: self.sim.sim.config.password.clone(),
                },
            )
            .unwrap();
    }

    fn phone_names(&self) -> Vec<String> {
        let store = self.sim.sim.store.lock().unwrap();
        store.tables["Phone"]
            .iter()
            .map(|p| p.child_text("name").unwrap().to_string())
            .collect()
    }

    fn audit(&self) -> String {
        std::fs::read_to_string(self.root.join("logs/audit.log")).unwrap()
    }

    async fn stop(self) {
        self.running.shutdown.cancel();
        self.sim.shutdown();
    }
}

fn axl(host: &str, operation: &str, arguments: Value) -> Value {
    axl_call("cucm_axl_call", host, operation, arguments)
}

/// `cucm_axl_call`, `imp_axl_call` or `cuc_cupi_call` with an operation and its arguments.
fn axl_call(tool: &str, host: &str, operation: &str, arguments: Value) -> Value {
    call(
        tool,
        json!({"host": host, "operation": operation, "arguments": arguments}),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_stores_credentials_reads_the_version_and_calls_typed_axl_with_paging_faults_and_retries() {
    let b = start(uc_sim::SimConfig::default(), "").await;
    let h = b.host.clone();
    let phone = b.phone_names()[0].clone();
    let password = b.sim.sim.config.password.clone();
    let s = b
        .session(
            "adm",
            json!([
                call(
                    "cucm_store_credentials",
                    json!({"host": h, "username": "axladmin", "password": "wrong-password"})
                ),
                call("cucm_check_connectivity", json!({"host": h})),
                call(
                    "cucm_store_credentials",
                    json!({"host": h, "username": "axladmin", "password": "again"})
                ),
                call(
                    "cucm_update_credentials",
                    json!({"host": h, "username": "axladmin", "password": password})
                ),
                call("cucm_get_version", json!({"host": h})),
                axl(&h, "getPhone", json!({"name": phone})),
                axl(&h, "getPhone", json!({"name": "SEPNOSUCHPHONE"})),
                axl(&h, "getPhone", json!({"name": phone, "bogus": 1})),
                axl(&h, "GetPhone", json!({"name": phone})),
                call(
                    "cucm_axl_call",
                    json!({"host": h, "operation": "listPhone", "max_rows": 130,
                    "arguments": {"searchCriteria": {"name": "SEP%"}, "returnedTags": {"name": "", "model": ""}}})
                ),
                axl(
                    &h,
                    "executeSQLQuery",
                    json!({"sql": "select name, description from device"})
                ),
                call("cucm_list_credentials", json!({})),
                call(
                    "cucm_list_axl_operations",
                    json!({"filter": "phone", "effect": "write"})
                ),
                call(
                    "cucm_describe_axl_operation",
                    json!({"operation": "getPhone", "host": h})
                ),
            ]),
        )
        .await;
    let r = &s.results;
    for t in [
        "cucm_delete_credentials",
        "cucm_risport_query",
        "cucm_axl_call",
        "cucm_os_store_credentials",
    ] {
        assert!(s.tools.contains(&t.to_string()), "admin sees {t}: {:?}", s.tools);
    }
    assert_eq!(ok(&r[0])["stored"], true);
    // The wrong password: connectivity names the failed step.
    let check = ok(&r[1]);
    assert_eq!(check["reachable"], false, "{check}");
    assert_eq!(check["failed_step"], "axl_auth", "{check}");
    assert!(
        check["steps"][0]["ok"].as_bool().unwrap() && check["steps"][2]["step"] == "tls",
        "{check}"
    );
    assert!(err(&r[2]).contains("already stored"));
    assert_eq!(ok(&r[3])["stored"], true);
    let v = ok(&r[4]);
    assert_eq!(v["version"], "15.0.1.12900(234)");
    assert_eq!(v["axl_schema"], "15.0");
    let got = ok(&r[5]);
    assert_eq!(got["response"]["return"]["phone"]["name"], phone.as_str(), "{got}");
    assert_eq!(got["axl_version"], "15.0");
    // A SOAP fault keeps its axlcode and axlmessage.
    let fault = err(&r[6]);
    assert!(
        fault.contains("AXL error 5007") && fault.contains("not found"),
        "{fault}"
    );
    // Invalid arguments name the JSON path, before anything is sent.
    let invalid = err(&r[7]);
    assert!(
        invalid.starts_with("InvalidArguments") && invalid.contains("bogus"),
        "{invalid}"
    );
    let case = err(&r[8]);
    assert!(case.contains("did you mean 'getPhone'"), "{case}");
    // 130 rows in pages of 40: 4 requests with skip/first.
    let list = ok(&r[9]);
    assert_eq!(list["rows"], 130, "{}", list["rows"]);
    assert_eq!(list["pages"], 4);
    let names: Vec<&str> = list["response"]["return"]["phone"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 130, "pages must not overlap");
    let sql = ok(&r[10]);
    assert!(sql["response"]["return"].is_object(), "{sql}");
    let listed = ok(&r[11]);
    assert_eq!(listed["hosts"][0]["kinds"], json!(["axl"]));
    assert_eq!(listed["hosts"][0]["version"], "15.0.1.12900(234)");
    assert!(!r[11]["text"].as_str().unwrap().contains(&password));
    let ops: Vec<&str> = ok(&r[12])["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert!(
        ops.contains(&"updatePhone") && ops.contains(&"addPhone") && !ops.contains(&"getPhone"),
        "{ops:?}"
    );
    let described = ok(&r[13]);
    assert_eq!(
        described["input_schema"]["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert!(described["input_schema"]["$defs"].is_object());

    // Throttling: two HTTP 503 answers, then success, within one call.
    b.sim.sim.throttle_next(2, uc_sim::Throttle::ServiceUnavailable);
    let s = b
        .session("adm", json!([axl(&h, "getPhone", json!({"name": phone}))]))
        .await;
    assert_eq!(ok(&s.results[0])["response"]["return"]["phone"]["name"], phone.as_str());
    // More throttling than the retries (3): a clear error.
    b.sim.sim.throttle_next(10, uc_sim::Throttle::MemoryFault);
    let s = b
        .session("adm", json!([axl(&h, "getPhone", json!({"name": phone}))]))
        .await;
    let e = err(&s.results[0]);
    assert!(e.contains("still throttling after 4 attempts"), "{e}");

    // The password is nowhere but in the encrypted store.
    let audit = b.audit();
    assert!(!audit.contains(&password) && !audit.contains("wrong-password"));
    assert!(audit.contains("\"tool\":\"cucm_axl_call\"") && audit.contains("\"operation\":\"getPhone\""));
    assert!(audit.contains(&format!("\"host\":\"{h}\"")));
    let line: Value = serde_json::from_str(
        audit
            .lines()
            .find(|l| l.contains("\"operation\":\"getPhone\"") && l.contains("\"outcome\":\"ok\""))
            .unwrap(),
    )
    .unwrap();
    for k in ["time", "client", "tool", "host", "operation", "outcome", "duration_ms"] {
        assert!(!line[k].is_null(), "{k} in {line}");
    }
    for f in walk(&b.root.join("clients/adm")) {
        let bytes = std::fs::read(&f).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(&password) && !text.contains("axladmin"),
            "{} holds a secret in clear",
            f.display()
        );
    }
    b.stop().await;
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_and_auditor_see_and_may_call_only_what_their_profiles_allow() {
    let b = start(uc_sim::SimConfig::default(), "MCP_TYPED_TOOLS=getPhone,updatePhone\n").await;
    let h = b.host.clone();
    let phone = b.phone_names()[1].clone();
    let password = b.sim.sim.config.password.clone();
    let s = b
        .session(
            "op",
            json!([
                call(
                    "cucm_store_credentials",
                    json!({"host": h, "username": "axladmin", "password": password})
                ),
                call("cucm_delete_credentials", json!({"host": h})),
                axl(
                    &h,
                    "updatePhone",
                    json!({"name": phone, "description": "changed by the operator"})
                ),
                axl(
                    &h,
                    "executeSQLUpdate",
                    json!({"sql": "update device set description = 'x'"})
                ),
                axl(&h, "addLine", json!({"line": {"pattern": "1234"}})),
                call("cucm_axl_getPhone", json!({"host": h, "arguments": {"name": phone}})),
                call("cucm_risport_query", json!({"host": h, "device_class": "Any"})),
                call(
                    "cucm_risport_query",
                    json!({"host": h, "max_devices": 200, "max_pages": 2})
                ),
                call("no_such_tool", json!({})),
            ]),
        )
        .await;
    let r = &s.results;
    assert!(
        !s.tools.contains(&"cucm_delete_credentials".to_string()),
        "{:?}",
        s.tools
    );
    assert!(
        s.tools.contains(&"cucm_axl_getPhone".to_string()) && s.tools.contains(&"cucm_axl_updatePhone".to_string())
    );
    let typed = &s.schemas["cucm_axl_getPhone"];
    assert_eq!(typed["required"], json!(["host", "arguments"]), "{typed}");
    assert!(typed["properties"]["arguments"].is_object());
    ok(&r[0]);
    let denied = err(&r[1]);
    assert!(
        denied.starts_with("ProfilePermissionError") && denied.contains("may not delete cucm credentials"),
        "{denied}"
    );
    assert_eq!(ok(&r[2])["operation"], "updatePhone");
    let denied = err(&r[3]);
    assert!(
        denied.starts_with("ProfilePermissionError") && denied.contains("executeSQLUpdate"),
        "{denied}"
    );
    assert!(err(&r[4]).starts_with("ProfilePermissionError"));
    assert_eq!(
        ok(&r[5])["response"]["return"]["phone"]["description"],
        "changed by the operator"
    );
    let denied = err(&r[6]);
    assert!(
        denied.starts_with("ProfilePermissionError") && denied.contains("'Any'"),
        "{denied}"
    );
    // The operator's default class is Phone; 500 registered-or-not phones, 200 per page, 2 pages.
    let ris = ok(&r[7]);
    assert_eq!(ris["device_class"], "Phone");
    assert_eq!(ris["pages"], 2, "{}", ris["pages"]);
    assert_eq!(ris["count"], 400);
    assert_eq!(ris["complete"], false);
    assert!(
        ris["state_info"].as_str().unwrap().contains("StateId"),
        "{}",
        ris["state_info"]
    );
    assert!(r[8]["protocol_error"].as_str().unwrap().contains("unknown tool"));

    // The auditor: reads and SQL queries, no writes, no credential changes.
    b.store_credentials_for("aud");
    let s = b
        .session(
            "aud",
            json!([
                call("cucm_store_credentials", json!({"host": h, "username": "u", "password": "p"})),
                axl(&h, "listPhone", json!({"searchCriteria": {"name": "SEP%"}, "returnedTags": {"name": ""}, "first": 5})),
                axl(&h, "executeSQLQuery", json!({"sql": "select name from device"})),
                axl(&h, "updatePhone", json!({"name": phone, "description": "auditor"})),
                axl(&h, "addPhone", json!({})),
                call("cucm_axl_updatePhone", json!({"host": h, "arguments": {"name": phone}})),
                call("cucm_risport_query", json!({"host": h, "device_class": "Any", "status": "Registered", "max_devices": 1000, "max_pages": 5})),
                call("cucm_list_credentials", json!({})),
            ]),
        )
        .await;
    let r = &s.results;
    for hidden in [
        "cucm_store_credentials",
        "cucm_update_credentials",
        "cucm_delete_credentials",
        "cucm_axl_updatePhone",
    ] {
        assert!(
            !s.tools.contains(&hidden.to_string()),
            "auditor must not see {hidden}: {:?}",
            s.tools
        );
    }
    assert!(
        s.tools.contains(&"cucm_axl_getPhone".to_string()) && s.tools.contains(&"cucm_list_credentials".to_string())
    );
    assert!(err(&r[0]).starts_with("ProfilePermissionError"));
    let listed = ok(&r[1]);
    assert_eq!(listed["response"]["return"]["phone"].as_array().unwrap().len(), 5);
    ok(&r[2]);
    let denied = err(&r[3]);
    assert!(
        denied.contains("does not allow the cucm AXL operation 'updatePhone'"),
        "{denied}"
    );
    assert!(err(&r[4]).starts_with("ProfilePermissionError"));
    assert!(err(&r[5]).starts_with("ProfilePermissionError"));
    let ris = ok(&r[6]);
    assert_eq!(ris["complete"], true);
    let registered = b
        .sim
        .sim
        .store
        .lock()
        .unwrap()
        .registrations
        .values()
        .filter(|r| r.status == "Registered")
        .count();
    assert_eq!(ris["count"], registered, "every registered phone, from one page");
    assert!(
        ris["devices"][0]["IPAddress"].is_object() || ris["devices"][0]["Name"].is_string(),
        "{}",
        ris["devices"][0]
    );
    assert_eq!(ok(&r[7])["hosts"][0]["kinds"], json!(["axl"]));
    let audit = b.audit();
    assert!(audit.contains("\"outcome\":\"denied\""));
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_hold_exactly_and_profiles_hot_reload() {
    let b = start(uc_sim::SimConfig::default(), "").await;
    let h = b.host.clone();
    b.store_credentials_for("tight");
    let phone = b.phone_names()[2].clone();
    // AXL: 3 per minute. Common (tools that stay local): 4 per minute.
    let mut steps = vec![];
    for _ in 0..4 {
        steps.push(axl(&h, "getPhone", json!({"name": phone})));
    }
    for _ in 0..5 {
        steps.push(call("bridge_whoami", json!({})));
    }
    let s = b.session("tight", Value::Array(steps)).await;
    let r = &s.results;
    r[..3].iter().for_each(|x| {
        ok(x);
    });
    let limited = err(&r[3]);
    assert!(
        limited.starts_with("RateLimitError") && limited.contains("AXL limit of 3"),
        "{limited}"
    );
    let wait: u64 = limited
        .split("retry in ")
        .nth(1)
        .unwrap()
        .trim_end_matches(" s")
        .parse()
        .unwrap();
    assert!((55..=60).contains(&wait), "{limited}");
    r[4..8].iter().for_each(|x| {
        ok(x);
    });
    assert!(err(&r[8]).contains("Common limit of 4"));
    // The refused call never reached the simulator: 3 getPhone requests, not 4.
    assert_eq!(b.audit().matches("\"outcome\":\"rate_limited\"").count(), 2);
    assert!(!s.tools.contains(&"cucm_risport_query".to_string()));

    // Hot reload: the profile gains RIS; a broken edit keeps the last good version; removal
    // leaves the client with no access.
    let path = b.root.join("profiles/tight.json");
    let mut profile: Value = serde_json::from_str(TIGHT).unwrap();
    profile["cucm"]["ris"] = json!({"rate_limit": 2, "allowed_device_classes": ["Phone"]});
    std::fs::write(&path, serde_json::to_string_pretty(&profile).unwrap()).unwrap();
    let listed = wait_for(
        || async { b.session("tight", json!([])).await.tools },
        |t| t.contains(&"cucm_risport_query".to_string()),
    )
    .await;
    assert!(listed, "the RIS tool appears after the profile changed");

    std::fs::write(&path, "{ \"description\": \"half-written").unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    let s = b.session("tight", json!([])).await;
    assert!(
        s.tools.contains(&"cucm_risport_query".to_string()),
        "last good version kept"
    );
    let app_log = std::fs::read_to_string(b.root.join("logs/app.log")).unwrap();
    assert!(
        app_log.contains("profile rejected") && app_log.contains("tight.json"),
        "{app_log}"
    );

    profile["cucm"]["axl"]["typo_key"] = json!(1);
    std::fs::write(&path, serde_json::to_string_pretty(&profile).unwrap()).unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    let app_log = std::fs::read_to_string(b.root.join("logs/app.log")).unwrap();
    assert!(
        app_log.contains("$.cucm.axl.typo_key"),
        "strict mode names the JSON path: {app_log}"
    );

    std::fs::remove_file(&path).unwrap();
    let gone = wait_for(
        || async { b.session("tight", json!([])).await.tools },
        |t| t == &vec!["bridge_whoami".to_string()],
    )
    .await;
    assert!(gone, "a removed profile leaves only bridge_whoami");
    let s = b
        .session("tight", json!([axl(&h, "getPhone", json!({"name": phone}))]))
        .await;
    let e = err(&s.results[0]);
    assert!(
        e.starts_with("ProfilePermissionError") && e.contains("not loaded"),
        "{e}"
    );
    // Shipped defaults are installed beside custom profiles and never overwrite them.
    for p in ["admin", "operator", "auditor"] {
        assert!(b.root.join(format!("profiles/{p}.json")).is_file());
    }
    b.stop().await;
}

async fn wait_for<T, F, Fut>(mut get: F, done: impl Fn(&T) -> bool) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    for _ in 0..20 {
        if done(&get().await) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_large_queries_and_ris_rate_control_give_actionable_errors() {
    let sim = uc_sim::SimConfig {
        max_response_bytes: 20_000,
        ris_rate_per_minute: 2,
        ..uc_sim::SimConfig::default()
    };
    let b = start(sim, "").await;
    let h = b.host.clone();
    b.store_credentials_for("adm");
    let s = b
        .session(
            "adm",
            json!([
                axl(&h, "listPhone", json!({"searchCriteria": {"name": "%"}, "returnedTags": {"name": "", "description": "", "model": "", "product": ""}})),
                call("cucm_risport_query", json!({"host": h, "max_devices": 10})),
                call("cucm_risport_query", json!({"host": h, "max_devices": 10})),
                call("cucm_risport_query", json!({"host": h, "max_devices": 10})),
            ]),
        )
        .await;
    let r = &s.results;
    let e = err(&r[0]);
    assert!(e.contains("too large") && e.contains("max_rows"), "{e}");
    ok(&r[1]);
    ok(&r[2]);
    let e = err(&r[3]);
    assert!(
        e.contains("RisPort rate control") && e.contains("allows 2 realtime requests per minute"),
        "{e}"
    );
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_screenshots_by_device_name_and_address_png_and_converted_bmp() {
    let b = start(uc_sim::SimConfig::default(), "SERVER_CUCM_PHONE_SCREENSHOT_TIMEOUT=2\n").await;
    let h = b.host.clone();
    b.store_credentials_for("adm");
    let png_phone = b
        .sim
        .phones
        .iter()
        .find(|p| !uc_sim::phones::uses_bmp(&p.model))
        .unwrap()
        .clone();
    let bmp_phone = b
        .sim
        .phones
        .iter()
        .find(|p| uc_sim::phones::uses_bmp(&p.model))
        .unwrap()
        .clone();
    let unregistered = {
        let store = b.sim.sim.store.lock().unwrap();
        store
            .registrations
            .iter()
            .find(|(_, r)| r.status == "UnRegistered")
            .map(|(n, _)| n.clone())
            .unwrap()
    };
    // A "phone" that accepts connections and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_addr = silent.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = silent.accept().await {
            held.push(s);
        }
    });
    let phone_password = b.sim.sim.config.phone_password.clone();
    let s = b
        .session(
            "adm",
            json!([
                call("phone_screenshot", json!({"host": h, "device": png_phone.name})),
                call(
                    "phone_store_credentials",
                    json!({"host": h, "username": "phoneuser", "password": phone_password})
                ),
                call("phone_screenshot", json!({"host": h, "device": png_phone.name})),
                call("phone_screenshot", json!({"host": h, "device": bmp_phone.name})),
                call(
                    "phone_screenshot",
                    json!({"host": h, "address": bmp_phone.addr.to_string()})
                ),
                call("phone_screenshot", json!({"host": h, "device": "SEP000000000000"})),
                call("phone_screenshot", json!({"host": h, "device": unregistered})),
                call(
                    "phone_screenshot",
                    json!({"host": h, "address": silent_addr.to_string()})
                ),
                call(
                    "phone_screenshot",
                    json!({"host": h, "device": "x", "address": "10.0.0.1"})
                ),
                call(
                    "phone_update_credentials",
                    json!({"host": h, "username": "phoneuser", "password": "wrong"})
                ),
                call("phone_screenshot", json!({"host": h, "device": png_phone.name})),
            ]),
        )
        .await;
    let r = &s.results;
    assert!(err(&r[0]).contains("phone_store_credentials"));
    ok(&r[1]);
    let decode = |r: &Value| -> (u32, u32) {
        let images = r["images"].as_array().unwrap();
        assert_eq!(images.len(), 1, "{r}");
        assert_eq!(images[0]["mime"], "image/png");
        use base64::Engine;
        let png = base64::engine::general_purpose::STANDARD
            .decode(images[0]["data"].as_str().unwrap())
            .unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let img = image::load_from_memory(&png).unwrap();
        (img.width(), img.height())
    };
    let png = ok(&r[2]);
    assert_eq!(png["converted_from_bmp"], false);
    assert_eq!(png["address"], png_phone.addr.ip().to_string(), "resolved through RIS");
    assert!(png["summary"].as_str().unwrap().contains(&png_phone.name));
    assert_eq!(decode(&r[2]), (800, 480));
    let bmp = ok(&r[3]);
    assert_eq!(bmp["converted_from_bmp"], true, "{bmp}");
    assert_eq!(decode(&r[3]), (396, 162));
    // The converted picture is the phone's own screen, pixel for pixel.
    let (raw, _) = uc_sim::phones::screen(&bmp_phone.name, &bmp_phone.model);
    let original = image::load_from_memory(&raw).unwrap().to_rgb8();
    use base64::Engine;
    let sent = base64::engine::general_purpose::STANDARD
        .decode(r[3]["images"][0]["data"].as_str().unwrap())
        .unwrap();
    assert_eq!(image::load_from_memory(&sent).unwrap().to_rgb8(), original);
    assert_eq!(decode(&r[4]), (396, 162));
    assert!(err(&r[5]).contains("not known to RisPort"));
    let e = err(&r[6]);
    assert!(e.contains("UnRegistered") && e.contains("not registered"), "{e}");
    let e = err(&r[7]);
    assert!(e.contains("did not answer within 2 s"), "{e}");
    assert!(err(&r[8]).contains("exactly one of"));
    ok(&r[9]);
    let e = err(&r[10]);
    assert!(
        e.contains("refused the login of 'phoneuser'") && e.contains("401"),
        "{e}"
    );
    assert!(!e.contains("wrong"));
    b.stop().await;
}

fn cupi(host: &str, operation: &str, arguments: Value) -> Value {
    axl_call("cuc_cupi_call", host, operation, arguments)
}

fn raw(host: &str, method: &str, path: &str) -> Value {
    call(
        "cuc_cupi_request",
        json!({"host": host, "method": method, "path": path}),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unity_connection_cupi_typed_end_to_end_with_quirks_paging_and_rbac() {
    let b = start(uc_sim::SimConfig::default(), "").await;
    let h = b.host.clone();
    let password = b.sim.sim.config.password.clone();
    let first_alias = b.sim.sim.cupi.lock().unwrap().tables["users"][0]["Alias"].clone();
    let s = b
        .session(
            "adm",
            json!([
                call("cuc_store_credentials", json!({"host": h, "username": "axladmin", "password": password})),
                call("cuc_get_version", json!({"host": h})),
                cupi(&h, "listUsers", json!({"rowsPerPage": 5})),
                call("cuc_cupi_call", json!({"host": h, "operation": "listUsers", "arguments": {"rowsPerPage": 7}, "all_pages": true})),
                cupi(&h, "listUsers", json!({"query": format!("(Alias is {first_alias})")})),
                cupi(&h, "addUser", json!({"templateAlias": "voicemailusertemplate", "body": {"Alias": "newuser", "FirstName": "New", "DtmfAccessId": "4242"}})),
                cupi(&h, "addUser", json!({"body": {"Alias": "other"}})),
                cupi(&h, "addUser", json!({"templateAlias": "voicemailusertemplate", "body": {"Alias": "newuser"}})),
                cupi(&h, "ListUsers", json!({})),
                call("cuc_describe_cupi_operation", json!({"operation": "addUser"})),
            ]),
        )
        .await;
    let r = &s.results;
    ok(&r[0]);
    assert_eq!(ok(&r[1])["version"], "15.0.1.10000-1");
    let page = &ok(&r[2])["response"];
    assert_eq!(page["@total"], 20, "@total comes back as a number: {page}");
    assert_eq!(page["User"].as_array().unwrap().len(), 5);
    assert!(
        page["User"][0]["IsVmEnrolled"].is_boolean() && page["User"][0]["TimeZone"].is_i64(),
        "{page}"
    );
    let all = ok(&r[3]);
    assert_eq!(all["pages"], 3);
    assert_eq!(all["complete"], true);
    assert_eq!(all["response"]["User"].as_array().unwrap().len(), 20);
    let one = &ok(&r[4])["response"];
    assert_eq!(
        one["User"].as_array().unwrap().len(),
        1,
        "a one-item page (an object in CUPI) is a list: {one}"
    );
    let created = ok(&r[5])["response"].clone();
    let new_id = created["ObjectId"].as_str().unwrap().to_string();
    assert_eq!(created["uri"], format!("/vmrest/users/{new_id}"));
    let missing = err(&r[6]);
    assert!(
        missing.starts_with("InvalidArguments") && missing.contains("templateAlias"),
        "{missing}"
    );
    let dup = err(&r[7]);
    assert!(dup.contains("DUPLICATE_OBJECT") && dup.contains("HTTP 400"), "{dup}");
    assert!(err(&r[8]).contains("did you mean 'listUsers'"));
    let described = ok(&r[9]);
    assert_eq!(described["rbac_name"], "POST /vmrest/users");
    let required = described["input_schema"]["required"].as_array().unwrap();
    assert!(
        required.contains(&json!("templateAlias")) && required.contains(&json!("body")),
        "{described}"
    );

    // Each resource family, typed.
    let (handler, sales, cos) = {
        let c = b.sim.sim.cupi.lock().unwrap();
        let handler = c.tables["handlers/callhandlers"][0]["ObjectId"].clone();
        let sales = c.tables["distributionlists"]
            .iter()
            .find(|d| d["Alias"] == "sales")
            .unwrap()["ObjectId"]
            .clone();
        let cos = c.tables["coses"][0]["ObjectId"].clone();
        (handler, sales, cos)
    };
    let s = b
        .session(
            "adm",
            json!([
                cupi(&h, "getUser", json!({"ObjectId": new_id})),
                cupi(&h, "updateUser", json!({"ObjectId": new_id, "body": {"DisplayName": "Renamed", "IsVmEnrolled": true}})),
                cupi(&h, "getUser", json!({"ObjectId": new_id})),
                cupi(&h, "listUserTemplates", json!({})),
                cupi(&h, "listCallhandlers", json!({})),
                cupi(&h, "listTransferOptions", json!({"ObjectId": handler})),
                cupi(&h, "updateTransferOption", json!({"ObjectId": handler, "TransferOptionType": "Off Hours", "body": {"Enabled": true, "Action": 1, "Extension": "5000"}})),
                cupi(&h, "getTransferOption", json!({"ObjectId": handler, "TransferOptionType": "Off Hours"})),
                cupi(&h, "listGreetings", json!({"ObjectId": handler})),
                cupi(&h, "addDistributionListMember", json!({"ObjectId": sales, "body": {"MemberUserObjectId": new_id}})),
                cupi(&h, "listDistributionListMembers", json!({"ObjectId": sales})),
                cupi(&h, "listContacts", json!({})),
                cupi(&h, "addContact", json!({"body": {"Alias": "vendor", "FirstName": "Val"}})),
                cupi(&h, "listPartitions", json!({})),
                cupi(&h, "listSearchSpaces", json!({})),
                cupi(&h, "updateCos", json!({"ObjectId": cos, "body": {"MaxMsgLength": 600}})),
                cupi(&h, "getCos", json!({"ObjectId": cos})),
                cupi(&h, "deleteUser", json!({"ObjectId": new_id})),
                cupi(&h, "getUser", json!({"ObjectId": new_id})),
                cupi(&h, "getUser", json!({"ObjectId": "../users"})),
                raw(&h, "GET", "/vmrest/users"),
            ]),
        )
        .await;
    let r = &s.results;
    let user = &ok(&r[0])["response"];
    assert_eq!(
        (user["Alias"].as_str(), user["IsVmEnrolled"].as_bool()),
        (Some("newuser"), Some(false))
    );
    assert_eq!(ok(&r[1])["response"], json!({}), "PUT answers 204");
    let user = &ok(&r[2])["response"];
    assert_eq!(
        (user["DisplayName"].as_str(), user["IsVmEnrolled"].as_bool()),
        (Some("Renamed"), Some(true))
    );
    assert_eq!(ok(&r[3])["response"]["UserTemplate"].as_array().unwrap().len(), 2);
    assert_eq!(ok(&r[4])["response"]["Callhandler"].as_array().unwrap().len(), 5);
    let rules = &ok(&r[5])["response"];
    assert_eq!(rules["TransferOption"].as_array().unwrap().len(), 3);
    assert!(rules["TransferOption"][0]["Enabled"].is_boolean());
    ok(&r[6]);
    let rule = &ok(&r[7])["response"];
    assert_eq!(
        (rule["Enabled"].as_bool(), rule["Action"].as_i64()),
        (Some(true), Some(1)),
        "{rule}"
    );
    assert_eq!(ok(&r[8])["response"]["Greeting"].as_array().unwrap().len(), 7);
    ok(&r[9]);
    let members = &ok(&r[10])["response"];
    assert!(
        members["DistributionListMember"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["MemberObjectId"] == new_id.as_str()),
        "{members}"
    );
    assert_eq!(ok(&r[11])["response"]["Contact"].as_array().unwrap().len(), 2);
    ok(&r[12]);
    assert_eq!(ok(&r[13])["response"]["@total"], 1);
    assert_eq!(ok(&r[14])["response"]["@total"], 1);
    ok(&r[15]);
    assert_eq!(ok(&r[16])["response"]["MaxMsgLength"], 600);
    ok(&r[17]);
    assert!(err(&r[18]).contains("NOT_FOUND"));
    assert!(
        err(&r[19]).contains("refused before sending"),
        "a path parameter cannot climb the path"
    );
    assert_eq!(ok(&r[20])["status"], 200);

    // The auditor reads; the operator also changes users and call handlers; nobody escapes the path.
    b.store_kind_for("aud", ai_bridge::credentials::Kind::Cupi);
    b.store_kind_for("op", ai_bridge::credentials::Kind::Cupi);
    let s = b
        .session(
            "aud",
            json!([
                raw(&h, "GET", "/vmrest/users"),
                raw(&h, "GET", "/vmrest/../vmrest/users"),
                raw(&h, "get", "/vmrest/users"),
                raw(&h, "GET", "/vmrest/%2e%2e/vmrest/users"),
                raw(&h, "GET", "/vmrest/%2E%2E/%2fetc"),
                raw(&h, "PUT", "/vmrest/users/x"),
                cupi(&h, "updateUser", json!({"ObjectId": "x", "body": {"DisplayName": "y"}})),
                cupi(&h, "listUsers", json!({"rowsPerPage": 1})),
                call("cuc_list_cupi_operations", json!({})),
            ]),
        )
        .await;
    let r = &s.results;
    assert_eq!(ok(&r[0])["status"], 200);
    for (i, what) in [
        (1, ".."),
        (2, "lower-case method"),
        (3, "%2e%2e"),
        (4, "%2E%2E/%2f"),
        (5, "PUT"),
        (6, "typed PUT"),
    ] {
        let e = err(&r[i]);
        assert!(e.starts_with("ProfilePermissionError"), "{what}: {e}");
    }
    assert_eq!(ok(&r[7])["response"]["User"].as_array().unwrap().len(), 1);
    let listed = ok(&r[8]);
    assert!(
        listed["operations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["method"] == "GET"),
        "{listed}"
    );
    assert!(!s.tools.contains(&"cuc_store_credentials".to_string()));
    let users_id = b.sim.sim.cupi.lock().unwrap().tables["users"][0]["ObjectId"].clone();
    let s = b
        .session(
            "op",
            json!([
                cupi(
                    &h,
                    "updateUser",
                    json!({"ObjectId": users_id, "body": {"DisplayName": "By Operator"}})
                ),
                cupi(
                    &h,
                    "updateCallhandler",
                    json!({"ObjectId": handler, "body": {"DtmfAccessId": "8009"}})
                ),
                cupi(
                    &h,
                    "addUser",
                    json!({"templateAlias": "voicemailusertemplate", "body": {"Alias": "x"}})
                ),
                cupi(&h, "deleteUser", json!({"ObjectId": users_id})),
                cupi(&h, "updateCos", json!({"ObjectId": cos, "body": {"MaxMsgLength": 1}})),
            ]),
        )
        .await;
    let r = &s.results;
    ok(&r[0]);
    ok(&r[1]);
    for x in &r[2..] {
        assert!(err(x).starts_with("ProfilePermissionError"), "{x}");
    }
    b.stop().await;
}

fn imp_axl(host: &str, operation: &str, arguments: Value) -> Value {
    axl_call("imp_axl_call", host, operation, arguments)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn im_and_presence_axl_typed_end_to_end_with_paging_and_rbac() {
    let b = start(uc_sim::SimConfig::default(), "").await;
    let h = b.sim.imp_addr.to_string();
    let password = b.sim.sim.config.password.clone();
    let compiled: Vec<&str> = cisco_uc::imp::operations(cisco_uc::imp::VERSIONS.last().unwrap())
        .unwrap()
        .iter()
        .map(|o| o.name)
        .collect();
    let s = b
        .session(
            "adm",
            json!([
                call("imp_store_credentials", json!({"host": h, "username": "axladmin", "password": password})),
                call("imp_get_version", json!({"host": h})),
                call("imp_list_axl_operations", json!({"host": h})),
                call("imp_describe_axl_operation", json!({"operation": "addPresenceGateway", "host": h})),
                call("imp_axl_call", json!({"host": h, "operation": "listPresenceGateway", "max_rows": 50,
                    "arguments": {"searchCriteria": {"name": "%"}, "returnedTags": {"name": "", "presenceGatewayType": ""}}})),
                imp_axl(&h, "addPresenceGateway", json!({"presenceGateway": {"name": "cucm-sub2.example.com", "presenceGatewayType": "CUCM", "description": "new"}})),
                imp_axl(&h, "addPresenceGateway", json!({"presenceGateway": {"name": "cucm-sub2.example.com", "presenceGatewayType": "CUCM"}})),
                imp_axl(&h, "updatePresenceGateway", json!({"name": "cucm-sub2.example.com", "description": "changed"})),
                imp_axl(&h, "getPresenceGateway", json!({"name": "cucm-sub2.example.com"})),
                imp_axl(&h, "addPresenceGateway", json!({"presenceGateway": {"name": "x", "presenceGatewayTyp": "CUCM"}})),
                imp_axl(&h, "getPhone", json!({"name": "SEP000000000000"})),
                imp_axl(&h, "removePresenceGateway", json!({"name": "cucm-sub2.example.com"})),
                imp_axl(&h, "getPresenceGateway", json!({"name": "cucm-sub2.example.com"})),
                call("imp_list_credentials", json!({})),
            ]),
        )
        .await;
    let r = &s.results;
    for t in [
        "imp_store_credentials",
        "imp_delete_credentials",
        "imp_axl_call",
        "imp_get_version",
    ] {
        assert!(s.tools.contains(&t.to_string()), "admin sees {t}");
    }
    assert_eq!(ok(&r[0])["stored"], true);
    let v = ok(&r[1]);
    assert_eq!(v["version"], "15.0.1.12900(18)", "the IM&P node's own version: {v}");
    assert_eq!(v["axl_schema"], "15.0");
    let listed = ok(&r[2]);
    assert_eq!(listed["imp_version"], "15.0.1.12900(18)");
    let names: Vec<&str> = listed["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, compiled, "the admin sees every IM&P operation, and no CUCM one");
    let described = ok(&r[3]);
    assert_eq!(described["effect"], "write");
    assert_eq!(
        described["input_schema"]["required"],
        json!(["presenceGateway"]),
        "{described}"
    );
    // Three seeded gateways, two rows per page (SERVER_IMP_AXL_PAGE_SIZE=2).
    let all = ok(&r[4]);
    assert_eq!(
        (all["rows"].as_u64(), all["pages"].as_u64()),
        (Some(3), Some(2)),
        "{all}"
    );
    assert_eq!(
        all["response"]["return"]["presenceGateway"][2]["presenceGatewayType"],
        "Exchange - EWS"
    );
    let uuid = ok(&r[5])["response"]["return"].as_str().unwrap().to_string();
    assert!(uuid.starts_with('{') && uuid.ends_with('}'), "{uuid}");
    let dup = err(&r[6]);
    assert!(dup.contains("-239") && dup.contains("duplicate"), "{dup}");
    assert_eq!(ok(&r[7])["response"]["return"], uuid.as_str());
    let got = &ok(&r[8])["response"]["return"]["presenceGateway"];
    assert_eq!(
        (got["description"].as_str(), got["presenceGatewayType"].as_str()),
        (Some("changed"), Some("CUCM"))
    );
    let typo = err(&r[9]);
    assert!(
        typo.starts_with("InvalidArguments") && typo.contains("presenceGatewayTyp"),
        "a typo is refused with its path before anything is sent: {typo}"
    );
    let cucm_only = err(&r[10]);
    assert!(
        cucm_only.contains("unknown IM and Presence AXL operation 'getPhone'"),
        "{cucm_only}"
    );
    ok(&r[11]);
    assert!(err(&r[12]).contains("5007"));
    let hosts = ok(&r[13]);
    assert!(
        hosts["hosts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["host"] == h.as_str() && x["kinds"] == json!(["axl"])),
        "{hosts}"
    );

    // The operator reads IM&P and runs SQL queries; its writes are refused before any request.
    b.store_at("op", &h, ai_bridge::credentials::Kind::Axl);
    let s = b
        .session(
            "op",
            json!([
                call("imp_list_axl_operations", json!({})),
                imp_axl(&h, "getPresenceGateway", json!({"name": "exchange.example.com"})),
                imp_axl(
                    &h,
                    "addPresenceGateway",
                    json!({"presenceGateway": {"name": "y", "presenceGatewayType": "CUCM"}})
                ),
                imp_axl(&h, "executeSQLQuery", json!({"sql": "select name from device"})),
                call(
                    "imp_store_credentials",
                    json!({"host": "imp2.example.com", "username": "u", "password": "p"})
                ),
                call("imp_delete_credentials", json!({"host": h})),
            ]),
        )
        .await;
    let r = &s.results;
    let names: Vec<String> = ok(&r[0])["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap().to_string())
        .collect();
    assert!(!names.is_empty());
    assert!(
        names
            .iter()
            .all(|n| n.starts_with("get") || n.starts_with("list") || n == "executeSQLQuery"),
        "{names:?}"
    );
    assert_eq!(
        ok(&r[1])["response"]["return"]["presenceGateway"]["presenceGatewayType"],
        "Exchange - EWS"
    );
    let denied = err(&r[2]);
    assert!(
        denied.starts_with("ProfilePermissionError") && denied.contains("addPresenceGateway"),
        "{denied}"
    );
    assert!(ok(&r[3])["response"]["return"]["row"]
        .as_array()
        .is_some_and(|rows| !rows.is_empty()));
    ok(&r[4]);
    assert!(
        err(&r[5]).starts_with("ProfilePermissionError"),
        "operators may not delete credentials"
    );
    assert!(!s.tools.contains(&"imp_delete_credentials".to_string()));
    let audit = b.audit();
    assert!(audit.contains("\"tool\":\"imp_axl_call\"") && audit.contains("\"operation\":\"addPresenceGateway\""));
    assert!(!audit.contains(&password));
    b.stop().await;
}
