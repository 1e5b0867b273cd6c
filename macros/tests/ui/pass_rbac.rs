#[derive(uc_macros::RbacOperation)]
struct ListPhone;

#[derive(uc_macros::RbacOperation)]
#[rbac(operation = "GET /vmrest/users")]
struct Users;

fn main() {
    assert_eq!(ListPhone::RBAC_OPERATION, "listPhone");
    assert_eq!(Users::RBAC_OPERATION, "GET /vmrest/users");
}
