//! Round-trip properties over seeded random valid values built from the IR: XML out and
//! back in through the decoder of the same type compares equal, typed and untyped; JSON too.

use uc_wire::sample::{random, Rng};
use uc_wire::soap::request_body;
use uc_wire::{json, xml, OperationDescriptor, Typed, Value};

fn all_operations() -> Vec<&'static OperationDescriptor> {
    let mut ops: Vec<&'static OperationDescriptor> = Vec::new();
    for v in cisco_uc::axl::VERSIONS {
        ops.extend(cisco_uc::axl::operations(v).unwrap().iter().copied());
    }
    ops.extend(cisco_uc::ris::OPERATIONS.iter().copied());
    ops
}

fn xml_round_trip(op: &'static OperationDescriptor, v: &Value) -> Value {
    let body = request_body(op, v).unwrap_or_else(|e| panic!("{}: encode: {e}", op.name));
    let root = xml::parse(&body).unwrap_or_else(|e| panic!("{}: parse: {e}\n{body}", op.name));
    xml::decode_struct(op.request, &root, "").unwrap_or_else(|e| panic!("{}: decode: {e}\n{body}", op.name))
}

#[test]
fn every_operation_request_survives_xml_and_json_round_trips() {
    let ops = all_operations();
    let seeds = 4;
    let mut checked = 0;
    for op in &ops {
        for seed in 0..seeds {
            let mut rng = Rng::new(seed * 7919 + op.name.len() as u64);
            let original = random(&mut rng, op.request, 4);
            let back = xml_round_trip(op, &original);
            // Equal as values, and so as XML: decoding picks the same choice variants.
            assert_eq!(
                request_body(op, &back).unwrap(),
                request_body(op, &original).unwrap(),
                "{} seed {seed}: XML round trip changed the request",
                op.name
            );
            let j = json::to_json(op.request, &original);
            let from_json =
                json::from_json(op.request, &j).unwrap_or_else(|e| panic!("{} seed {seed}: {e}\n{j}", op.name));
            assert_eq!(
                request_body(op, &from_json).unwrap(),
                request_body(op, &original).unwrap(),
                "{} seed {seed}: JSON round trip changed the request",
                op.name
            );
            checked += 1;
        }
    }
    println!(
        "{checked} random requests over {} operations round-tripped through XML and JSON",
        ops.len()
    );
}

fn typed_round_trip<T: Typed + Clone + PartialEq + std::fmt::Debug>(op_name: &str, seeds: u64) {
    let op = cisco_uc::axl::v15_0::AxlClient::operation(op_name).unwrap();
    assert!(std::ptr::eq(op.request, T::DESC), "{op_name} request type");
    for seed in 0..seeds {
        let mut rng = Rng::new(seed);
        let typed = T::from_value(random(&mut rng, T::DESC, 4)).unwrap();
        let back = T::from_value(xml_round_trip(op, &typed.clone().into_value())).unwrap();
        assert_eq!(back, typed, "{op_name} seed {seed}");
    }
}

#[test]
fn typed_requests_compare_equal_after_a_round_trip() {
    use cisco_uc::axl::v15_0 as axl;
    typed_round_trip::<axl::GetPhoneReq>("getPhone", 50);
    typed_round_trip::<axl::ListPhoneReq>("listPhone", 50);
    typed_round_trip::<axl::AddPhoneReq>("addPhone", 50);
    typed_round_trip::<axl::UpdatePhoneReq>("updatePhone", 50);
    typed_round_trip::<axl::AddLineReq>("addLine", 50);
    typed_round_trip::<axl::GetLineReq>("getLine", 50);
    typed_round_trip::<axl::ExecuteSQLQueryReq>("executeSQLQuery", 20);
}

#[test]
fn json_input_errors_name_the_path() {
    let op = cisco_uc::axl::v15_0::AxlClient::operation("getPhone").unwrap();
    let err = json::from_json(
        op.request,
        &serde_json::json!({"name": "SEP1", "uuid": "{x}", "returnedTags": {"nmae": ""}}),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("give only one of name, uuid"), "{text}");
    assert!(text.contains("$.returnedTags.nmae: unknown field"), "{text}");
    let err = json::from_json(op.request, &serde_json::json!({})).unwrap_err();
    assert!(err.to_string().contains("one of name, uuid is required"), "{err}");
    let op = cisco_uc::axl::v15_0::AxlClient::operation("listPhone").unwrap();
    let err = json::from_json(
        op.request,
        &serde_json::json!({"searchCriteria": {"name": "%"}, "returnedTags": {}, "first": "ten"}),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("$.first: 'ten' is not a non-negative integer"),
        "{err}"
    );
}
