include!("common.rs");

uc_macros::operations! {
    client TestClient, "A test client.";
    /// Reads a phone.
    read "getPhone" fn get_phone(Req) -> Req = soap("CUCM:DB ver=15.0 getPhone", "getPhone", "getPhoneResponse");
    write "POST /vmrest/users/{objectId}" fn add_user(Req) -> Req = http("POST", "/vmrest/users/{objectId}");
    read "type" fn r#type(Req) -> Req = soap("CUCM:DB ver=15.0 type", "type", "typeResponse");
}

fn main() {
    assert_eq!(O_get_phone.rbac_name, "getPhone");
    assert_eq!(O_add_user.rbac_name, "POST /vmrest/users/{objectId}");
    assert_eq!(O_add_user.effect, uc_wire::Effect::Write);
    assert_eq!(O_type.name, "type");
    assert_eq!(O_get_phone.doc, "Reads a phone.");
    assert_eq!(OPERATIONS.len(), 3);
    assert_eq!(TestClient::operation("getPhone").unwrap().name, "getPhone");
    let schema = O_get_phone.input_schema();
    assert_eq!(schema["required"][0], "name");
    let config = uc_wire::ClientConfig::new("https://cucm.example.com:8443", "u", "p");
    let client = TestClient::new(&config).unwrap();
    let _call = client.get_phone(Req { name: "SEP1".into() });
}
