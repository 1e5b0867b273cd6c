include!("common.rs");

uc_macros::operations! {
    client TestClient, "A test client.";
    read "getPhone" fn get_phone(Req) -> Req = soap("a", "getPhone");
}

fn main() {}
