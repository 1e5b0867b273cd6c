include!("common.rs");

uc_macros::operations! {
    client TestClient, "A test client.";
    read "" fn get_phone(Req) -> Req = soap("a", "getPhone", "getPhoneResponse");
}

fn main() {}
