// Shared by the trybuild cases: one hand-written request/response type and the module
// constants `operations!` expects.
use uc_wire::schema::{FieldDesc, FieldType, Scalar, ScalarKind, TypeDesc, TypeKind};
use uc_wire::value::{members, take, ShapeError, Value, Wire};

pub const PRODUCT: &str = "axl";
pub const VERSION: &str = "15.0";
pub const NAMESPACE: &str = "http://www.cisco.com/AXL/API/15.0";
const QUALIFIED: bool = false;
pub const ENDPOINT_PATH: &str = "/axl/";

#[derive(Debug, Default)]
pub struct Req {
    pub name: String,
}
impl Wire for Req {
    fn into_value(self) -> Value {
        Value::Struct(vec![self.name.into_value()])
    }
    fn from_value(v: Value) -> Result<Self, ShapeError> {
        let mut m = members(v, "Req")?;
        Ok(Req { name: take(&mut m)? })
    }
}
impl uc_wire::Typed for Req {
    const DESC: &'static TypeDesc = &D_REQ;
}
pub static D_REQ: TypeDesc = TypeDesc {
    name: "Req",
    xsd: "test",
    doc: "A request.",
    kind: TypeKind::Struct {
        attrs: &[],
        text: None,
        fields: &[FieldDesc::new("name", FieldType::Scalar(Scalar::of(ScalarKind::String)), 1, 1)],
    },
};
