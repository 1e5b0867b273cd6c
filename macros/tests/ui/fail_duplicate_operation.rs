include!("common.rs");

uc_macros::operations! {
    client TestClient, "A test client.";
    read "getPhone" fn get_phone(Req) -> Req = soap("a", "getPhone", "getPhoneResponse");
    read "getPhone" fn get_phone2(Req) -> Req = soap("a", "getPhone", "getPhoneResponse");
}

fn main() {}
