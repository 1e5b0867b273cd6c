//! The generated clients against uc-sim over HTTPS: every AXL operation family, faults,
//! paging (AXL skip/first, RIS StateInfo), throttling, rate control, unsupported versions,
//! and the simulator's responses validated with xmllint against the schema they claim.

use std::net::SocketAddr;
use std::process::Command;

use cisco_uc::axl::v15_0 as axl;
use cisco_uc::ris;
use uc_sim::{SimConfig, Throttle};
use uc_wire::{ClientConfig, Error, Typed, Wire};

async fn sim(config: SimConfig) -> uc_sim::Running {
    uc_sim::start(config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap()
}

fn client_config(s: &uc_sim::Running, password: &str) -> ClientConfig {
    let mut c = ClientConfig::new(s.base_url(), "axladmin", password);
    c.ca_bundle_pem = Some(s.cert_pem.clone().into_bytes());
    c
}

fn axl_client(s: &uc_sim::Running) -> axl::AxlClient {
    axl::AxlClient::new(&client_config(s, "sim-password")).unwrap()
}

fn get_phone(name: &str) -> axl::GetPhoneReq {
    axl::GetPhoneReq {
        name_or_uuid: axl::GetPhoneReqNameOrUuid::Name(name.into()),
        ..Default::default()
    }
}

fn list_all(skip: Option<u64>, first: Option<u64>) -> axl::ListPhoneReq {
    axl::ListPhoneReq {
        search_criteria: axl::ListPhoneReqSearchCriteria {
            name: Some("SEP%".into()),
            ..Default::default()
        },
        returned_tags: axl::LPhone {
            name: Some(String::new()),
            description: Some(String::new()),
            ..Default::default()
        },
        skip,
        first,
        ..Default::default()
    }
}

fn fault_code(e: &Error) -> Option<i64> {
    match e {
        Error::Fault(f) => f.axlcode,
        _ => None,
    }
}

#[tokio::test]
async fn crud_families_round_trip_through_the_store() {
    let s = sim(SimConfig {
        phones: 50,
        ..Default::default()
    })
    .await;
    let c = axl_client(&s);
    let v = c.get_ccm_version(Default::default()).await.unwrap();
    assert_eq!(v.r#return.component_version.version, "15.0.1.12900(234)");

    let listed = c.list_phone(list_all(None, None)).await.unwrap().r#return.phone;
    assert_eq!(listed.len(), 50);
    let name = listed[7].name.clone().unwrap();
    let got = c.get_phone(get_phone(&name)).await.unwrap().r#return.phone;
    assert_eq!(got.name.as_deref(), Some(name.as_str()));
    let uuid = got.uuid.clone().unwrap();
    assert!(uuid.starts_with('{') && uuid.len() == 38, "{uuid}");
    let by_uuid = c
        .get_phone(axl::GetPhoneReq {
            name_or_uuid: axl::GetPhoneReqNameOrUuid::Uuid(uuid.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(by_uuid.r#return.phone.name.as_deref(), Some(name.as_str()));

    let err = c.get_phone(get_phone("SEPNOTTHERE0000")).await.unwrap_err();
    assert_eq!(fault_code(&err), Some(5007), "{err}");
    assert!(err
        .to_string()
        .contains("Item not valid: The specified Phone was not found"));

    // add from JSON, as an agent would: the schema's minimal phone, named and described.
    let add_op = axl::AxlClient::operation("addPhone").unwrap();
    let mut args = uc_wire::json::to_json(add_op.request, &uc_wire::sample::minimal(add_op.request));
    args["phone"]["name"] = "SEP0000DEADBEEF".into();
    args["phone"]["description"] = "added by test".into();
    let add = uc_wire::json::from_json(add_op.request, &args).unwrap();
    let added = c.inner().call(add_op, add.clone()).await.unwrap();
    let new_uuid = uc_wire::json::to_json(add_op.response, &added)["return"]
        .as_str()
        .unwrap()
        .to_string();
    let got = c.get_phone(get_phone("SEP0000DEADBEEF")).await.unwrap().r#return.phone;
    assert_eq!(got.uuid.as_deref(), Some(new_uuid.as_str()));
    assert_eq!(got.description.as_deref(), Some("added by test"));
    let dup = c.inner().call(add_op, add).await.unwrap_err();
    assert_eq!(fault_code(&dup), Some(-239), "{dup}");

    let upd_op = axl::AxlClient::operation("updatePhone").unwrap();
    let upd = uc_wire::json::from_json(
        upd_op.request,
        &serde_json::json!({"name": "SEP0000DEADBEEF", "description": "renamed desk"}),
    )
    .unwrap();
    c.inner().call(upd_op, upd).await.unwrap();
    let got = c.get_phone(get_phone("SEP0000DEADBEEF")).await.unwrap().r#return.phone;
    assert_eq!(got.description.as_deref(), Some("renamed desk"));

    let rm_op = axl::AxlClient::operation("removePhone").unwrap();
    let rm = uc_wire::json::from_json(rm_op.request, &serde_json::json!({"uuid": new_uuid})).unwrap();
    c.inner().call(rm_op, rm.clone()).await.unwrap();
    assert_eq!(
        fault_code(&c.get_phone(get_phone("SEP0000DEADBEEF")).await.unwrap_err()),
        Some(5007)
    );
    assert_eq!(fault_code(&c.inner().call(rm_op, rm).await.unwrap_err()), Some(5007));
    s.shutdown();
}

#[tokio::test]
async fn list_pages_with_skip_and_first_and_returned_tags() {
    let s = sim(SimConfig {
        phones: 120,
        ..Default::default()
    })
    .await;
    let c = axl_client(&s);
    let mut names = Vec::new();
    let mut skip = 0;
    loop {
        let page = c
            .list_phone(list_all(Some(skip), Some(50)))
            .await
            .unwrap()
            .r#return
            .phone;
        for p in &page {
            assert!(p.name.is_some() && p.description.is_some());
            assert!(p.protocol.is_none(), "only the returnedTags come back");
        }
        names.extend(page.iter().map(|p| p.name.clone().unwrap()));
        if page.len() < 50 {
            break;
        }
        skip += 50;
    }
    assert_eq!(names.len(), 120);
    let unique: std::collections::BTreeSet<_> = names.iter().collect();
    assert_eq!(unique.len(), 120);
    let mut req = list_all(None, None);
    req.search_criteria.description = Some("%Smith%".into());
    let smiths = c.list_phone(req).await.unwrap().r#return.phone;
    assert!(
        !smiths.is_empty()
            && smiths
                .iter()
                .all(|p| p.description.as_deref().unwrap().contains("Smith"))
    );
    s.shutdown();
}

#[tokio::test]
async fn sql_query_and_update() {
    let s = sim(SimConfig {
        phones: 30,
        ..Default::default()
    })
    .await;
    let c = axl_client(&s);
    let rows = c
        .execute_sql_query(axl::ExecuteSQLQueryReq {
            sql: "select name, description from device where name like 'SEP%' order by name".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .r#return
        .row;
    assert_eq!(rows.len(), 30);
    let cols: Vec<&str> = rows[0].columns().map(|(n, _)| n).collect();
    assert_eq!(cols, ["name", "description"]);
    let first = rows[0].column("name").unwrap().to_string();
    let updated = c
        .execute_sql_update(axl::ExecuteSQLUpdateReq {
            sql: format!("update device set description = 'via SQL' where name = '{first}'"),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(updated.r#return.rows_updated, 1);
    let got = c.get_phone(get_phone(&first)).await.unwrap().r#return.phone;
    assert_eq!(got.description.as_deref(), Some("via SQL"));
    let bad = c
        .execute_sql_query(axl::ExecuteSQLQueryReq {
            sql: "select x from nosuchtable".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(bad.to_string().contains("not in the database"), "{bad}");
    s.shutdown();
}

#[tokio::test]
async fn failures_look_like_a_real_cucm() {
    let s = sim(SimConfig {
        phones: 300,
        max_response_bytes: 20_000,
        ..Default::default()
    })
    .await;
    let c = axl_client(&s);
    let wrong = axl::AxlClient::new(&client_config(&s, "wrong")).unwrap();
    assert!(matches!(
        wrong.get_ccm_version(Default::default()).await,
        Err(Error::Unauthorized)
    ));

    s.sim.throttle_next(1, Throttle::ServiceUnavailable);
    assert!(matches!(
        c.get_ccm_version(Default::default()).await,
        Err(Error::Throttled { retry_after: Some(1) })
    ));
    s.sim.throttle_next(1, Throttle::MemoryFault);
    let e = c.get_ccm_version(Default::default()).await.unwrap_err();
    assert!(e.is_throttling(), "{e}");
    c.get_ccm_version(Default::default()).await.unwrap();

    let all = list_all(None, None);
    let e = c.list_phone(all).await.unwrap_err();
    assert!(e.to_string().contains("Query request too large"), "{e}");

    // A version the simulator does not have: HTTP 599, as CUCM answers.
    let http = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(s.cert_pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    let body = "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body><ns:getCCMVersion xmlns:ns=\"http://www.cisco.com/AXL/API/99.0\"/></soapenv:Body></soapenv:Envelope>";
    let r = http
        .post(format!("{}/axl/", s.base_url()))
        .basic_auth("axladmin", Some("sim-password"))
        .header("SOAPAction", "\"CUCM:DB ver=99.0 getCCMVersion\"")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 599);
    // SOAPAction and namespace must agree.
    let r = http
        .post(format!("{}/axl/", s.base_url()))
        .basic_auth("axladmin", Some("sim-password"))
        .header("SOAPAction", "\"CUCM:DB ver=14.0 getCCMVersion\"")
        .body(body.replace("99.0", "15.0"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 500);
    assert!(r.text().await.unwrap().contains("does not match"));
    // An element the schema does not declare is refused.
    let r = http
        .post(format!("{}/axl/", s.base_url()))
        .basic_auth("axladmin", Some("sim-password"))
        .header("SOAPAction", "\"CUCM:DB ver=15.0 getPhone\"")
        .body(body.replace("99.0", "15.0").replace(
            "getCCMVersion xmlns:ns=\"http://www.cisco.com/AXL/API/15.0\"/>",
            "getPhone xmlns:ns=\"http://www.cisco.com/AXL/API/15.0\"><name>x</name><bogus/></ns:getPhone>",
        ))
        .send()
        .await
        .unwrap();
    let text = r.text().await.unwrap();
    assert!(text.contains("element &lt;bogus&gt; is not declared"), "{text}");
    s.shutdown();
}

fn select(max: u32, state: &str) -> ris::SelectCmDevice {
    let v = uc_wire::json::from_json(
        <ris::SelectCmDevice as Typed>::DESC,
        &serde_json::json!({"StateInfo": state, "CmSelectionCriteria": {"MaxReturnedDevices": max, "DeviceClass": "Phone", "Model": 255, "Status": "Any", "NodeName": "", "SelectBy": "Name", "SelectItems": {"item": [{"Item": "*"}]}}}),
    )
    .unwrap();
    ris::SelectCmDevice::from_value(v).unwrap()
}

#[tokio::test]
async fn ris_pages_with_state_info_and_enforces_its_rate() {
    let s = sim(SimConfig {
        phones: 500,
        ris_rate_per_minute: 5,
        ..Default::default()
    })
    .await;
    let c = ris::RisClient::new(&client_config(&s, "sim-password")).unwrap();
    let mut state = String::new();
    let mut seen = 0;
    let mut total = 0;
    for _ in 0..3 {
        let r = c
            .select_cm_device(select(200, &state))
            .await
            .unwrap()
            .select_cm_device_return;
        let v = r.clone().into_value();
        let j = uc_wire::json::to_json(<ris::SelectCmDeviceReturn as Typed>::DESC, &v);
        total = j["SelectCmDeviceResult"]["TotalDevicesFound"].as_u64().unwrap();
        for n in j["SelectCmDeviceResult"]["CmNodes"]["item"].as_array().unwrap() {
            seen += n["CmDevices"]["item"].as_array().map_or(0, Vec::len);
        }
        state = r.state_info;
    }
    assert_eq!(total, 500);
    assert_eq!(seen, 500, "three pages of at most 200 cover every phone once");
    c.select_cm_device(select(10, "")).await.unwrap();
    c.select_cm_device(select(10, "")).await.unwrap();
    let e = c.select_cm_device(select(10, "")).await.unwrap_err();
    assert!(
        e.to_string().contains("Exceeded allowed rate for Reatime information"),
        "{e}"
    );
    s.shutdown();
}

/// The simulator's answers, as bytes on the wire, validate against the schema they name.
#[tokio::test]
async fn responses_validate_against_the_axl_schema() {
    let schemas = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(option_env!("UC_SCHEMAS_DIR").unwrap_or("schemas"));
    let xsd = schemas.join("axl/15.0/AXLSoap.xsd");
    assert!(xsd.is_file(), "{}", xsd.display());
    let s = sim(SimConfig {
        phones: 20,
        ..Default::default()
    })
    .await;
    let http = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(s.cert_pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    let phone = s.sim.store.lock().unwrap().tables["Phone"][3]
        .child_text("name")
        .unwrap()
        .to_string();
    // The inner XML of a request built from the schema (minimal, then patched from JSON).
    let inner_of = |op: &str, patch: serde_json::Value| -> Option<String> {
        let d = axl::AxlClient::operation(op)?;
        let mut j = uc_wire::json::to_json(d.request, &uc_wire::sample::minimal(d.request));
        if let (Some(obj), serde_json::Value::Object(p)) = (j.as_object_mut(), patch) {
            obj.extend(p);
        }
        let body = uc_wire::soap::request_body(d, &uc_wire::json::from_json(d.request, &j).ok()?).ok()?;
        Some(body[body.find('>')? + 1..body.rfind("</")?].to_string())
    };
    let mut requests = vec![
        ("getCCMVersion", "<processNodeName>cucm-pub</processNodeName>".to_string()),
        ("getPhone", format!("<name>{phone}</name>")),
        ("listPhone", "<searchCriteria><name>%</name></searchCriteria><returnedTags><name/><description/><devicePoolName/></returnedTags><first>5</first>".to_string()),
        ("executeSQLQuery", "<sql>select name, description from device</sql>".to_string()),
        ("getUser", format!("<userid>{}</userid>", s.sim.store.lock().unwrap().tables["User"][0].child_text("userid").unwrap())),
    ];
    // Writes: add, update, SQL update, and an operation without a family of its own.
    requests.push((
        "addLine",
        inner_of(
            "addLine",
            serde_json::json!({"line": {"pattern": "7777", "usage": "Device"}}),
        )
        .unwrap(),
    ));
    requests.push((
        "updatePhone",
        inner_of(
            "updatePhone",
            serde_json::json!({"name": phone, "description": "validated"}),
        )
        .unwrap(),
    ));
    requests.push((
        "executeSQLUpdate",
        format!("<sql>update device set description = 'x' where name = '{phone}'</sql>"),
    ));
    if let Some(inner) = inner_of("applyPhone", serde_json::json!({"name": phone})) {
        requests.push(("applyPhone", inner));
    }
    requests.push(("removePhone", format!("<name>{phone}</name>")));
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (op, inner) in requests.iter() {
        let body = format!("<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body><ns:{op} xmlns:ns=\"http://www.cisco.com/AXL/API/15.0\">{inner}</ns:{op}></soapenv:Body></soapenv:Envelope>");
        let r = http
            .post(format!("{}/axl/", s.base_url()))
            .basic_auth("axladmin", Some("sim-password"))
            .header("SOAPAction", format!("\"CUCM:DB ver=15.0 {op}\""))
            .body(body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        assert_eq!(status, 200, "{op}: {text}");
        let root = uc_wire::xml::parse(&text).unwrap();
        let payload = root.child("Body").unwrap().children[0].clone();
        // Re-serialise the response element alone, with its namespace, for xmllint.
        let start = text.find(&format!("<ns:{op}Response")).unwrap();
        let end = text.rfind(&format!("</ns:{op}Response>")).unwrap() + format!("</ns:{op}Response>").len();
        assert_eq!(payload.name, format!("{op}Response"));
        let path = dir.path().join(format!("{op}.xml"));
        std::fs::write(&path, &text[start..end]).unwrap();
        files.push(path);
    }
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&xsd)
        .args(&files)
        .output()
        .expect("xmllint (libxml2-utils)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.lines().all(|l| l.ends_with(" validates")), "{stderr}");
    assert_eq!(stderr.lines().count(), requests.len());
    s.shutdown();
}

#[tokio::test]
async fn phones_serve_screenshots_that_show_their_name() {
    let s = sim(SimConfig {
        phones: 40,
        ..Default::default()
    })
    .await;
    assert_eq!(s.phones.len(), 3);
    let http = reqwest::Client::new();
    let mut kinds = std::collections::BTreeSet::new();
    for p in &s.phones {
        let url = format!("http://{}/CGI/Screenshot", p.addr);
        let r = http
            .get(&url)
            .basic_auth("phoneuser", Some("phone-password"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let kind = r.headers()["content-type"].to_str().unwrap().to_string();
        let bytes = r.bytes().await.unwrap();
        match kind.as_str() {
            "image/png" => assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n"),
            "image/bmp" => assert_eq!(&bytes[..2], b"BM"),
            other => panic!("{other}"),
        }
        kinds.insert(kind);
        let wrong = http
            .get(&url)
            .basic_auth("phoneuser", Some("nope"))
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), 401);
        // The device is known to RIS and AXL under the same name.
        let store = s.sim.store.lock().unwrap();
        let reg = &store.registrations[&p.name];
        assert_eq!(
            reg.ip,
            p.addr.ip().to_string(),
            "RIS reports the phone server's address"
        );
        assert_eq!(reg.status, "Registered");
    }
    assert_eq!(kinds.len(), 2, "both PNG and BMP models are served");
    let (png, _) = uc_sim::phones::screen(
        &s.phones
            .iter()
            .find(|p| !uc_sim::phones::uses_bmp(&p.model))
            .unwrap()
            .name,
        "Cisco 8845",
    );
    std::fs::write(
        concat!(env!("CARGO_MANIFEST_DIR"), "/../target/phone-screenshot.png"),
        png,
    )
    .unwrap();
    s.shutdown();
}

#[tokio::test]
async fn cupi_pages_quirks_and_writes() {
    let s = sim(SimConfig {
        phones: 30,
        ..Default::default()
    })
    .await;
    let http = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(s.cert_pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    let url = |p: &str| format!("{}/vmrest/{p}", s.base_url());
    let get = |p: String, accept: &'static str| {
        http.get(p)
            .basic_auth("axladmin", Some("sim-password"))
            .header("accept", accept)
            .send()
    };

    let page: serde_json::Value = get(url("users?rowsPerPage=8&pageNumber=3"), "application/json")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["@total"], "20", "counts are strings, as CUPI sends them");
    assert_eq!(page["User"].as_array().unwrap().len(), 4);
    let one: serde_json::Value = get(url("users?rowsPerPage=1&pageNumber=2"), "application/json")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(one["User"].is_object(), "a one-item page is an object: {one}");
    let alias = one["User"]["Alias"].as_str().unwrap().to_string();
    let q: serde_json::Value = get(url(&format!("users?query=(Alias%20is%20{alias})")), "application/json")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(q["@total"], "1");
    let xml = get(url("handlers/callhandlers"), "application/xml")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        xml.contains("<Callhandlers total=\"5\">") && xml.contains("<DisplayName>Opening Greeting</DisplayName>"),
        "{xml}"
    );

    let created = http
        .post(url("users?templateAlias=voicemailusertemplate"))
        .basic_auth("axladmin", Some("sim-password"))
        .json(&serde_json::json!({"Alias": "newbie", "DtmfAccessId": "4321"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let uri = created.text().await.unwrap();
    assert!(uri.starts_with("/vmrest/users/"), "{uri}");
    let no_template = http
        .post(url("users"))
        .basic_auth("axladmin", Some("sim-password"))
        .json(&serde_json::json!({"Alias": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(no_template.status(), 400);
    let put = http
        .put(format!("{}{uri}", s.base_url()))
        .basic_auth("axladmin", Some("sim-password"))
        .json(&serde_json::json!({"DisplayName": "New Bie"}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 204);
    let got: serde_json::Value = get(format!("{}{uri}", s.base_url()), "application/json")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["DisplayName"], "New Bie");
    let del = http
        .delete(format!("{}{uri}", s.base_url()))
        .basic_auth("axladmin", Some("sim-password"))
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 204);
    let gone = get(format!("{}{uri}", s.base_url()), "application/json").await.unwrap();
    assert_eq!(gone.status(), 404);
    let e: serde_json::Value = gone.json().await.unwrap();
    assert_eq!(e["errors"]["code"], "NOT_FOUND");
    s.shutdown();
}

struct AcceptKey;

impl russh::client::Handler for AcceptKey {
    type Error = russh::Error;
    async fn check_server_key(&mut self, _key: &russh::keys::PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

/// Reads channel output until `marker` appears; returns everything read.
async fn read_until(ch: &mut russh::Channel<russh::client::Msg>, marker: &str) -> String {
    read_until_any(ch, &[marker]).await
}

async fn read_until_any(ch: &mut russh::Channel<russh::client::Msg>, markers: &[&str]) -> String {
    let mut seen = String::new();
    while !markers.iter().any(|m| seen.contains(m)) {
        match tokio::time::timeout(std::time::Duration::from_secs(5), ch.wait())
            .await
            .expect("output in time")
        {
            Some(russh::ChannelMsg::Data { data }) => seen.push_str(&String::from_utf8_lossy(&data)),
            Some(_) => {}
            None => break,
        }
    }
    seen
}

#[tokio::test]
async fn the_ssh_cli_prompts_pages_and_refuses_unknown_commands() {
    let s = sim(SimConfig {
        phones: 5,
        ..Default::default()
    })
    .await;
    assert!(s.ssh.fingerprint.starts_with("SHA256:"));
    let config = std::sync::Arc::new(russh::client::Config::default());
    let mut h = russh::client::connect(config.clone(), s.ssh.addr, AcceptKey)
        .await
        .unwrap();
    assert!(!h
        .authenticate_password("administrator", "wrong")
        .await
        .unwrap()
        .success());
    assert!(h
        .authenticate_password("administrator", "os-password")
        .await
        .unwrap()
        .success());
    let mut ch = h.channel_open_session().await.unwrap();
    ch.request_pty(false, "dumb", 220, 12, 0, 0, &[]).await.unwrap();
    ch.request_shell(false).await.unwrap();
    read_until(&mut ch, "admin:").await;
    ch.data_bytes(&b"show version active\r"[..]).await.unwrap();
    let out = read_until(&mut ch, "admin:").await;
    assert!(out.contains("Active Master Version: 15.0.1.12900-234"), "{out}");
    ch.data_bytes(&b"utils service list\r"[..]).await.unwrap();
    let first = read_until(&mut ch, uc_sim::ssh::PAGER).await;
    assert_eq!(
        first.matches("[STARTED]").count(),
        10,
        "one page of 11 lines (12 rows less the pager): {first}"
    );
    ch.data_bytes(&b"\r"[..]).await.unwrap();
    let one = read_until(&mut ch, uc_sim::ssh::PAGER).await;
    assert_eq!(one.matches("[STARTED]").count(), 1);
    let mut rest = String::new();
    loop {
        ch.data_bytes(&b" "[..]).await.unwrap();
        let chunk = read_until_any(&mut ch, &["admin:", uc_sim::ssh::PAGER]).await;
        rest.push_str(&chunk);
        if chunk.contains("admin:") {
            break;
        }
    }
    assert!(rest.contains("Primary Node =true"));
    ch.data_bytes(&b"showx\r"[..]).await.unwrap();
    let out = read_until(&mut ch, "admin:").await;
    assert!(
        out.contains("Executed command unsuccessfully") && out.contains("No valid command entered"),
        "{out}"
    );
    s.shutdown();
}

/// RIS answers validate against the schema inside RISService70.wsdl.
#[tokio::test]
async fn ris_responses_validate_against_the_wsdl_schema() {
    let schemas = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(option_env!("UC_SCHEMAS_DIR").unwrap_or("schemas"));
    let wsdl = std::fs::read_to_string(schemas.join("ris/RISService70.wsdl")).unwrap();
    let start = wsdl.find("<schema").unwrap();
    let end = wsdl.rfind("</schema>").unwrap() + "</schema>".len();
    let dir = tempfile::tempdir().unwrap();
    let xsd = dir.path().join("ris.xsd");
    std::fs::write(
        &xsd,
        wsdl[start..end].replacen(
            "<schema",
            "<schema xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns:tns=\"http://schemas.cisco.com/ast/soap\"",
            1,
        ),
    )
    .unwrap();
    let s = sim(SimConfig {
        phones: 25,
        ..Default::default()
    })
    .await;
    let http = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(s.cert_pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    let req = uc_wire::soap::request_envelope(
        ris::RisClient::operation("selectCmDevice").unwrap(),
        &select(10, "").into_value(),
    )
    .unwrap();
    let text = http
        .post(format!("{}/realtimeservice2/services/RISService70", s.base_url()))
        .basic_auth("axladmin", Some("sim-password"))
        .header("SOAPAction", "\"selectCmDevice\"")
        .body(req)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let a = text.find("<selectCmDeviceResponse").expect("response element");
    let b = text.rfind("</selectCmDeviceResponse>").unwrap() + "</selectCmDeviceResponse>".len();
    let file = dir.path().join("response.xml");
    std::fs::write(&file, &text[a..b]).unwrap();
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&xsd)
        .arg(&file)
        .output()
        .expect("xmllint");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.trim().ends_with("validates"), "{stderr}");
    s.shutdown();
}
