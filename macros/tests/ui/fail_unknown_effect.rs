include!("common.rs");

uc_macros::operations! {
    client TestClient, "A test client.";
    fetch "getPhone" fn get_phone(Req) -> Req = soap("a", "getPhone", "getPhoneResponse");
}

fn main() {}
