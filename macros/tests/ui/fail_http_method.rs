include!("common.rs");

uc_macros::operations! {
    client TestClient, "A test client.";
    read "FETCH /vmrest/users" fn users(Req) -> Req = http("FETCH", "/vmrest/users");
}

fn main() {}
