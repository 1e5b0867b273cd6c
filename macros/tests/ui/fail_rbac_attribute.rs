#[derive(uc_macros::RbacOperation)]
#[rbac(name = "listPhone")]
struct ListPhone;

#[derive(uc_macros::RbacOperation)]
#[rbac(operation = "")]
struct Empty;

fn main() {}
