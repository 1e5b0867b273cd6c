include!("common.rs");

uc_macros::operations! {
    client TestClient, "A test client.";
    read "getPhone" fn get_phone(String) -> Req = soap("a", "getPhone", "getPhoneResponse");
}

fn main() {}
