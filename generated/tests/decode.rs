//! Decoding project-written responses into typed values, and every error case a server can
//! produce (status codes, HTML pages, truncated and malformed bodies, SOAP faults).

use cisco_uc::axl::v15_0 as axl;
use uc_wire::client::interpret;
use uc_wire::{Error, Nillable, Wire};

fn fixture(path: &str) -> String {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/");
    std::fs::read_to_string(format!("{root}{path}")).unwrap()
}

fn op(name: &str) -> &'static uc_wire::OperationDescriptor {
    axl::AxlClient::operation(name).unwrap()
}

#[test]
fn get_ccm_version_decodes() {
    let v = interpret(op("getCCMVersion"), 200, None, &fixture("axl/getCCMVersion.xml")).unwrap();
    let res = axl::GetCCMVersionRes::from_value(v).unwrap();
    assert_eq!(res.r#return.component_version.version, "15.0.1.12900(234)");
}

#[test]
fn get_phone_decodes_attributes_entities_and_nil_references() {
    let v = interpret(op("getPhone"), 200, None, &fixture("axl/getPhone.xml")).unwrap();
    let res = axl::GetPhoneRes::from_value(v).unwrap();
    let phone = res.r#return.phone;
    assert_eq!(phone.uuid.as_deref(), Some("{6F2D6AA2-3C6B-4B1A-9A6C-0B1E2D3C4F50}"));
    assert_eq!(phone.ctiid, Some(94));
    assert_eq!(phone.name.as_deref(), Some("SEP001122334455"));
    assert_eq!(phone.description.as_deref(), Some("Lobby & reception <main>"));
    // `xsi:nil="true" uuid=""`, as CUCM writes unset references: absent, not an error.
    assert_eq!(phone.calling_search_space_name, None);
    let pool = phone.device_pool_name.unwrap();
    assert_eq!(pool.value, "Default");
    assert_eq!(pool.uuid.as_deref(), Some("{1B1B9EB6-7803-11D3-BDF0-00108302EAD1}"));
}

#[test]
fn get_phone_writes_json_with_schema_names() {
    let v = interpret(op("getPhone"), 200, None, &fixture("axl/getPhone.xml")).unwrap();
    let json = uc_wire::json::to_json(op("getPhone").response, &v);
    assert_eq!(json["return"]["phone"]["name"], "SEP001122334455");
    assert_eq!(json["return"]["phone"]["devicePoolName"]["_value"], "Default");
    assert_eq!(
        json["return"]["phone"]["uuid"],
        "{6F2D6AA2-3C6B-4B1A-9A6C-0B1E2D3C4F50}"
    );
    assert!(json["return"]["phone"].get("callingSearchSpaceName").is_none());
}

fn list_phone_body(n: usize) -> String {
    let mut rows = String::new();
    for i in 0..n {
        rows.push_str(&format!(
            "<phone uuid=\"{{00000000-0000-0000-0000-{i:012}}}\"><name>SEP{i:012X}</name><description>Phone {i}</description><devicePoolName uuid=\"{{1B1B9EB6-7803-11D3-BDF0-00108302EAD1}}\">Default</devicePoolName></phone>"
        ));
    }
    format!("<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body><ns:listPhoneResponse xmlns:ns=\"http://www.cisco.com/AXL/API/15.0\"><return>{rows}</return></ns:listPhoneResponse></soapenv:Body></soapenv:Envelope>")
}

#[test]
fn list_phone_decodes_many_rows() {
    let v = interpret(op("listPhone"), 200, None, &list_phone_body(750)).unwrap();
    let res = axl::ListPhoneRes::from_value(v).unwrap();
    assert_eq!(res.r#return.phone.len(), 750);
    assert_eq!(res.r#return.phone[749].name.as_deref(), Some("SEP0000000002ED"));
    assert_eq!(res.r#return.phone[3].description.as_deref(), Some("Phone 3"));
}

#[test]
fn execute_sql_query_rows_keep_columns_in_order() {
    let v = interpret(op("executeSQLQuery"), 200, None, &fixture("axl/executeSQLQuery.xml")).unwrap();
    let res = axl::ExecuteSQLQueryRes::from_value(v.clone()).unwrap();
    let rows = &res.r#return.row;
    assert_eq!(rows.len(), 2);
    let cols: Vec<(&str, &str)> = rows[0].columns().collect();
    assert_eq!(
        cols,
        vec![
            ("name", "SEP001122334455"),
            ("description", "Lobby"),
            ("pkid", "6f2d6aa2-3c6b-4b1a-9a6c-0b1e2d3c4f50")
        ]
    );
    assert_eq!(rows[1].column("description"), Some(""));
    let json = uc_wire::json::to_json(op("executeSQLQuery").response, &v);
    let keys: Vec<&String> = json["return"]["row"][0].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["name", "description", "pkid"]);
}

#[test]
fn axl_fault_gives_code_message_and_operation() {
    let err = interpret(op("getPhone"), 500, None, &fixture("axl/fault.xml")).unwrap_err();
    let Error::Fault(f) = err else {
        panic!("expected a fault, got {err:?}")
    };
    assert_eq!(f.axlcode, Some(5007));
    assert_eq!(
        f.axlmessage.as_deref(),
        Some("Item not valid: The specified Phone was not found")
    );
    assert_eq!(f.operation, "getPhone");
    assert_eq!(f.request.as_deref(), Some("getPhone"));
    assert!(f.to_string().contains("AXL error 5007"));
}

#[test]
fn each_http_failure_is_a_distinct_error() {
    let get = op("getPhone");
    assert!(matches!(
        interpret(get, 401, None, "<html>Unauthorized</html>"),
        Err(Error::Unauthorized)
    ));
    assert!(
        matches!(interpret(get, 599, None, "Schema version is not supported"), Err(Error::VersionNotSupported(m)) if m.contains("not supported"))
    );
    assert!(matches!(
        interpret(get, 503, Some(5), "Service Unavailable"),
        Err(Error::Throttled { retry_after: Some(5) })
    ));
    let html = fixture("axl/error-page.html");
    assert!(
        matches!(interpret(get, 500, None, &html), Err(Error::HtmlPage { status: 500, title }) if title.contains("Internal Server Error"))
    );
    assert!(matches!(
        interpret(get, 200, None, &html),
        Err(Error::HtmlPage { status: 200, .. })
    ));
    let body = fixture("axl/getPhone.xml");
    let truncated = &body[..body.len() / 2];
    assert!(
        matches!(interpret(get, 200, None, truncated), Err(Error::Truncated)),
        "{:?}",
        interpret(get, 200, None, truncated)
    );
    assert!(matches!(
        interpret(get, 200, None, "<a><b></a>"),
        Err(Error::Malformed(_))
    ));
    assert!(matches!(
        interpret(get, 200, None, "<notsoap/>"),
        Err(Error::NotSoap(_))
    ));
    assert!(matches!(
        interpret(get, 418, None, "teapot"),
        Err(Error::Http { status: 418, .. })
    ));
}

#[test]
fn throttling_fault_is_recognised() {
    let body = fixture("axl/fault.xml").replace(
        "Item not valid: The specified Phone was not found",
        "Maximum AXL Memory Allocation Consumed",
    );
    let err = interpret(op("listPhone"), 500, None, &body).unwrap_err();
    assert!(err.is_throttling());
}

#[test]
fn ris_select_cm_device_decodes_with_state_info() {
    let op = cisco_uc::ris::RisClient::operation("selectCmDevice").unwrap();
    let v = interpret(op, 200, None, &fixture("ris/selectCmDevice.xml")).unwrap();
    let json = uc_wire::json::to_json(op.response, &v);
    let ret = &json["selectCmDeviceReturn"];
    assert_eq!(ret["SelectCmDeviceResult"]["TotalDevicesFound"], 3);
    let devices = &ret["SelectCmDeviceResult"]["CmNodes"]["item"][0]["CmDevices"]["item"];
    assert_eq!(devices.as_array().unwrap().len(), 2);
    assert_eq!(devices[0]["Name"], "SEP001122334455");
    assert_eq!(devices[0]["IPAddress"]["item"][0]["IP"], "10.1.1.21");
    assert!(ret["StateInfo"]
        .as_str()
        .unwrap()
        .starts_with("<StateInfo><Node Name=\"cucm-pub\""));
    let typed = cisco_uc::ris::SelectCmDeviceResponse::from_value(v).unwrap();
    assert!(typed.select_cm_device_return.state_info.contains("StateId=\"42\""));
    assert_eq!(
        typed
            .select_cm_device_return
            .select_cm_device_result
            .total_devices_found,
        Nillable::Value(3)
    );
}
