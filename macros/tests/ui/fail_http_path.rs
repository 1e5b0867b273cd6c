include!("common.rs");

uc_macros::operations! {
    client TestClient, "A test client.";
    read "GET /vmrest/users/{objectId" fn user(Req) -> Req = http("GET", "/vmrest/users/{objectId");
    read "GET vmrest/users" fn users(Req) -> Req = http("GET", "vmrest/users");
}

fn main() {}
