//! The codegen snapshots (written by uc-codegen's snapshot tests) compile against uc-wire,
//! and behave as the constructs they come from should.

/// Each snapshot as a module, with the lints generated code is exempt from.
macro_rules! snapshots {
    ($($name:ident),* $(,)?) => {
        $(
            #[allow(clippy::all, non_camel_case_types, non_snake_case, non_upper_case_globals, dead_code, unused_imports, missing_docs)]
            mod $name {
                include!(concat!("snapshots/", stringify!($name), ".rs"));
            }
        )*
    };
}

snapshots!(
    choice,
    extension,
    anonymous_nested,
    simple_types,
    open_enum,
    xinteger_boolean,
    nillable_occurs,
    attributes,
    any,
    keywords,
    case_clash,
    recursion,
    long_sequence,
    rest
);

use uc_wire::{json, xml, Nillable, Typed, Value, Wire};

fn xml_of<T: Typed>(op: &'static uc_wire::OperationDescriptor, v: T) -> String {
    uc_wire::soap::request_body(op, &v.into_value()).unwrap()
}

#[test]
fn keywords_and_case_only_clashes_get_distinct_names() {
    let req = keywords::Req {
        r#return: "r".into(),
        r#type: "t".into(),
        self_: "s".into(),
        r#match: "m".into(),
        url: "U".into(),
        url_2: "u".into(),
    };
    let body = xml_of(&keywords::O_test_op, req);
    assert!(
        body.contains("<return>r</return><type>t</type><self>s</self><match>m</match><URL>U</URL><url>u</url>"),
        "{body}"
    );
    let _distinct = (
        case_clash::XUcService::default(),
        case_clash::XUCService::default(),
        case_clash::SelectReturn::default(),
        case_clash::SelectReturn2::default(),
    );
}

#[test]
fn attributes_that_clash_with_elements_take_an_at_sign_in_json() {
    let req = attributes::Req {
        uuid: Some("attr".into()),
        ctiid: Some(7),
        version: "1".into(),
        uuid_2: "element".into(),
        device_pool_name: attributes::XFkType {
            uuid: None,
            value: "Default".into(),
        },
    };
    let j = json::to_json(attributes::Req::DESC, &req.clone().into_value());
    assert_eq!(
        j,
        serde_json::json!({"@uuid": "attr", "ctiid": 7, "version": "1", "uuid": "element", "devicePoolName": "Default"})
    );
    let back = attributes::Req::from_value(json::from_json(attributes::Req::DESC, &j).unwrap()).unwrap();
    assert_eq!(back, req);
    let missing = json::from_json(
        attributes::Req::DESC,
        &serde_json::json!({"uuid": "e", "devicePoolName": "x"}),
    )
    .unwrap_err();
    assert!(
        missing.to_string().contains("$.version: required attribute is missing"),
        "{missing}"
    );
}

#[test]
fn open_enums_keep_unknown_strings_and_closed_enums_refuse_them() {
    let v = json::from_json(open_enum::Req::DESC, &serde_json::json!({"timeZone": "Mars/Olympus"})).unwrap();
    let req = open_enum::Req::from_value(v).unwrap();
    assert_eq!(req.time_zone, open_enum::XTimeZone::Other("Mars/Olympus".into()));
    let v = json::from_json(open_enum::Req::DESC, &serde_json::json!({"timeZone": "Etc/GMT-0"})).unwrap();
    assert_eq!(
        open_enum::Req::from_value(v).unwrap().time_zone,
        open_enum::XTimeZone::EtcGMT0
    );
    let err = json::from_json(simple_types::Req::DESC, &serde_json::json!({"name": "n", "uuid": "u", "port": 70000, "moh": "x", "mode": "Maybe", "when": "t", "ratio": 1.5, "count": 1})).unwrap_err().to_string();
    assert!(err.contains("$.port: must be at most 65535"), "{err}");
    assert!(err.contains("$.moh: matches none of the union's member types"), "{err}");
    assert!(
        err.contains("$.mode: 'Maybe' is not allowed; expected one of 'On', 'Off'"),
        "{err}"
    );
}

#[test]
fn xinteger_and_axl_booleans_decode_what_servers_send() {
    let root = xml::parse("<testOp><maxCalls></maxCalls><enabled>t</enabled><plain>1</plain></testOp>").unwrap();
    let v = xml::decode_struct(xinteger_boolean::Req::DESC, &root, "").unwrap();
    let req = xinteger_boolean::Req::from_value(v).unwrap();
    assert_eq!(req.max_calls, uc_wire::XInteger(None));
    assert!(req.enabled && req.plain);
}

#[test]
fn nillable_elements_send_xsi_nil() {
    let req = nillable_occurs::Req {
        required: "r".into(),
        nillable_required: Nillable::Nil,
        nillable_optional: Some(Nillable::Nil),
        at_least_two: vec![1, 2],
        ..Default::default()
    };
    let body = xml_of(&nillable_occurs::O_test_op, req);
    assert!(body.contains("<nillableRequired xsi:nil=\"true\"/><nillableOptional xsi:nil=\"true\"/><atLeastTwo>1</atLeastTwo><atLeastTwo>2</atLeastTwo>"), "{body}");
    let err = json::from_json(
        nillable_occurs::Req::DESC,
        &serde_json::json!({"required": "r", "nillableRequired": null, "atLeastTwo": [1]}),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("$.atLeastTwo: at least 2 item(s) required"),
        "{err}"
    );
}

#[test]
fn choices_of_sequences_pick_the_variant_from_the_elements_present() {
    let v = json::from_json(
        choice::Req::DESC,
        &serde_json::json!({"uuid": "u", "dirn": "1000", "partition": "PT"}),
    )
    .unwrap();
    let req = choice::Req::from_value(v).unwrap();
    assert!(matches!(req.name_or_uuid, choice::ReqNameOrUuid::Uuid(_)));
    let body = xml_of(&choice::O_test_op, req.clone());
    let back = choice::Req::from_value(xml::decode_struct(choice::Req::DESC, &xml::parse(&body).unwrap(), "").unwrap())
        .unwrap();
    assert_eq!(back, req);
}

#[test]
fn any_content_round_trips() {
    let root = xml::parse("<testOp><vendorConfig><a>1</a><b x=\"y\">2</b></vendorConfig><row><c1>v1</c1><c2>v2</c2></row><untyped>t</untyped></testOp>").unwrap();
    let v = xml::decode_struct(any::Req::DESC, &root, "").unwrap();
    let req = any::Req::from_value(v.clone()).unwrap();
    assert_eq!(req.vendor_config.any.0.len(), 2);
    assert_eq!(req.row[0].column("c2"), Some("v2"));
    assert_eq!(
        json::to_json(any::Req::DESC, &v)["row"][0],
        serde_json::json!({"c1": "v1", "c2": "v2"})
    );
    let _ = Value::Absent;
}

#[test]
fn recursive_types_are_boxed_and_round_trip() {
    let node = recursion::Node {
        label: "root".into(),
        parent: Some(Box::new(recursion::Node {
            label: "p".into(),
            ..Default::default()
        })),
        children: vec![recursion::Node {
            label: "c".into(),
            ..Default::default()
        }],
    };
    let body = xml_of(&recursion::O_test_op, node.clone());
    let back = recursion::Node::from_value(
        xml::decode_struct(recursion::Node::DESC, &xml::parse(&body).unwrap(), "").unwrap(),
    )
    .unwrap();
    assert_eq!(back, node);
}

#[test]
fn rest_requests_split_into_path_query_and_body_and_cupi_answers_are_typed() {
    use uc_wire::rest::{build, read};
    let get = build(
        &rest::O_get_item,
        &rest::GetItemReq {
            object_id: "Off Hours".into(),
        }
        .into_value(),
    )
    .unwrap();
    assert_eq!(
        (get.method, get.path.as_str(), get.body),
        ("GET", "/vmrest/items/Off%20Hours", None)
    );
    for bad in ["a/b", "..", "%2e", "x?y"] {
        let r = build(
            &rest::O_get_item,
            &rest::GetItemReq { object_id: bad.into() }.into_value(),
        );
        assert!(matches!(r, Err(uc_wire::Error::Refused(_))), "{bad}");
    }
    let list = build(
        &rest::O_list_items,
        &rest::ListItemsReq {
            rows_per_page: Some(5),
            page_number: None,
        }
        .into_value(),
    )
    .unwrap();
    assert_eq!(list.query, vec![("rowsPerPage".to_string(), "5".to_string())]);
    let add = build(
        &rest::O_add_item,
        &rest::AddItemReq {
            body: rest::Item {
                object_id: None,
                name: "x".into(),
                count: Some(3),
                enabled: Some(true),
            },
        }
        .into_value(),
    )
    .unwrap();
    assert_eq!(
        add.body,
        Some(serde_json::json!({"Name": "x", "Count": "3", "Enabled": "true"})),
        "CUPI takes text"
    );

    // Every value a string, a one-item list as an object, unknown fields: typed all the same.
    let page = read(
        &rest::O_list_items,
        200,
        None,
        r#"{"@total":"1","Item":{"ObjectId":"id1","Name":"x","Count":"3","Enabled":"false","Extra":"y"}}"#,
    )
    .unwrap();
    let page = rest::ItemList::from_value(page).unwrap();
    assert_eq!(page.total, Some(1));
    assert_eq!(page.item.len(), 1);
    assert_eq!((page.item[0].count, page.item[0].enabled), (Some(3), Some(false)));
    let created =
        rest::Created::from_value(read(&rest::O_add_item, 201, Some("/vmrest/items/id9"), "").unwrap()).unwrap();
    assert_eq!(
        (created.uri.as_str(), created.object_id.as_str()),
        ("/vmrest/items/id9", "id9")
    );
    assert!(read(&rest::O_update_item, 204, None, "").is_ok());
    let e = read(
        &rest::O_add_item,
        400,
        None,
        r#"{"errors":{"code":"DUPLICATE_OBJECT","message":"exists"}}"#,
    )
    .unwrap_err();
    assert!(
        matches!(e, uc_wire::Error::Rest { status: 400, ref code, .. } if code == "DUPLICATE_OBJECT"),
        "{e}"
    );
    let e = read(&rest::O_get_item, 401, None, "").unwrap_err();
    assert!(matches!(e, uc_wire::Error::Unauthorized));
}
