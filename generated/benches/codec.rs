//! Runtime throughput: decoding a 5,000-phone listPhone response into typed values, and
//! encoding 100,000 getPhone requests. `cargo bench -p cisco-uc --bench codec`
//! (build against the real toolkit with UC_SCHEMAS_DIR for representative numbers).

use std::time::Instant;

use cisco_uc::axl::v15_0 as axl;
use uc_wire::schema::TypeKind;
use uc_wire::{sample, xml, Typed, Value, Wire};

/// One LPhone row with up to `tags` members filled, like a returnedTags selection.
fn phone_row(rng: &mut sample::Rng, tags: usize) -> Value {
    let Value::Struct(mut m) = sample::random(rng, axl::LPhone::DESC, 1) else {
        unreachable!()
    };
    let TypeKind::Struct { attrs, .. } = axl::LPhone::DESC.kind else {
        unreachable!()
    };
    let mut kept = 0;
    for v in m.iter_mut().skip(attrs.len()) {
        if !sample::is_empty(v) {
            kept += 1;
            if kept > tags {
                *v = Value::Absent;
            }
        }
    }
    Value::Struct(m)
}

fn main() {
    let op = axl::AxlClient::operation("listPhone").unwrap();
    let mut rng = sample::Rng::new(1);
    let rows: Vec<Value> = (0..5000).map(|_| phone_row(&mut rng, 40)).collect();
    let response = Value::Struct(vec![Value::Absent, Value::Struct(vec![Value::List(rows)])]);
    let mut body =
        String::from("<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body>");
    xml::encode_body(&mut body, op.response, &response, "ns:listPhoneResponse xmlns:ns=\"http://www.cisco.com/AXL/API/15.0\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"").unwrap();
    body.push_str("</soapenv:Body></soapenv:Envelope>");
    let tags = body.matches("</").count();
    println!(
        "listPhone response: 5000 phones, {} bytes, {} elements ({:.1} per phone)",
        body.len(),
        tags,
        tags as f64 / 5000.0
    );

    let runs = 5;
    // Where the time goes: the XML tree, the descriptor-driven decoder, the typed conversion.
    let t = Instant::now();
    let root = xml::parse(&body).unwrap();
    let parse = t.elapsed();
    let payload = &root.child("Body").unwrap().children[0];
    let t = Instant::now();
    let v = xml::decode_struct(op.response, payload, "").unwrap();
    let decode = t.elapsed();
    let t = Instant::now();
    let _ = axl::ListPhoneRes::from_value(v).unwrap();
    let typed = t.elapsed();
    println!(
        "  of which: XML tree {:.1} ms, descriptor decode {:.1} ms, typed conversion {:.1} ms",
        parse.as_secs_f64() * 1e3,
        decode.as_secs_f64() * 1e3,
        typed.as_secs_f64() * 1e3
    );

    let started = Instant::now();
    for _ in 0..runs {
        let v = uc_wire::client::interpret(op, 200, None, &body).unwrap();
        let typed = axl::ListPhoneRes::from_value(v).unwrap();
        assert_eq!(typed.r#return.phone.len(), 5000);
    }
    let per = started.elapsed().as_secs_f64() / runs as f64;
    println!(
        "decode listPhone (5000 phones) into typed values: {:.1} ms per response, {:.0} phones/s, {:.1} MB/s",
        per * 1e3,
        5000.0 / per,
        body.len() as f64 / per / 1e6
    );

    let get = axl::AxlClient::operation("getPhone").unwrap();
    let n = 100_000;
    let started = Instant::now();
    let mut bytes = 0usize;
    for i in 0..n {
        let req = axl::GetPhoneReq {
            name_or_uuid: axl::GetPhoneReqNameOrUuid::Name(format!("SEP{i:012}")),
            ..Default::default()
        };
        bytes += uc_wire::soap::request_envelope(get, &req.into_value()).unwrap().len();
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "encode getPhone requests (typed -> SOAP envelope): {n} in {:.1} ms, {:.0} requests/s ({} bytes total)",
        secs * 1e3,
        n as f64 / secs,
        bytes
    );
}
