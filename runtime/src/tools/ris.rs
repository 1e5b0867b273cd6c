//! `cucm_risport_query`: RisPort70 selectCmDevice with the profile's device-class and status
//! filters enforced, following StateInfo across pages up to the caller's page limit.

use serde_json::{json, Map, Value};

use super::{only_keys, opt_int_arg, opt_text_arg, text_arg, Access, Ctx, Limit, ToolDef, ToolError};
use crate::credentials::{CredentialStore, Kind};
use crate::cucm::{CucmError, CUCM, RIS_PATH};
use crate::limits::Category;

const PRODUCT: &str = "cucm";
const DEVICE_CLASSES: &[&str] = &[
    "Any",
    "Phone",
    "Gateway",
    "H323",
    "Cti",
    "VoiceMail",
    "MediaResources",
    "HuntList",
    "SIPTrunk",
    "Unknown",
];
const STATUSES: &[&str] = &[
    "Any",
    "Registered",
    "UnRegistered",
    "Rejected",
    "PartiallyRegistered",
    "Unknown",
];
const SELECT_BY: &[&str] = &["Name", "IPV4Address", "IPV6Address", "DirNumber", "Description"];
/// RisPort70 returns at most 1000 devices per request.
const MAX_PER_PAGE: u64 = 1000;

fn schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "host": {"type": "string", "description": "CUCM host name or address, optionally with :port"},
            "device_class": {"type": "string", "enum": DEVICE_CLASSES, "description": "default: Any if your profile allows it, else the first class it allows"},
            "status": {"type": "string", "enum": STATUSES, "description": "registration status (default Any)"},
            "select_by": {"type": "string", "enum": SELECT_BY, "description": "what items match (default Name)"},
            "items": {"type": "array", "items": {"type": "string"}, "maxItems": 1000, "description": "names, addresses or numbers to match; * is a wildcard (default: all)"},
            "max_devices": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "description": "devices per request (default 1000)"},
            "max_pages": {"type": "integer", "minimum": 1, "maximum": 50, "description": "how many StateInfo pages to follow (default 1)"},
        },
        "required": ["host"],
        "additionalProperties": false,
    })
}

fn one_of(args: &Map<String, Value>, key: &str, allowed: &[&str]) -> Result<Option<String>, ToolError> {
    let Some(v) = opt_text_arg(args, key)? else {
        return Ok(None);
    };
    allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(&v))
        .map(|a| Some(a.to_string()))
        .ok_or_else(|| ToolError::InvalidArguments(format!("$.{key}: '{v}' is not one of {}", allowed.join(", "))))
}

/// The device class to ask for when the caller names none: Any if allowed, else the first
/// class the profile allows.
fn default_class(ctx: &Ctx) -> Option<String> {
    if ctx.profile.allows_ris(PRODUCT, Some("Any"), None) || ctx.profile.allows_ris(PRODUCT, None, None) {
        return Some("Any".into());
    }
    DEVICE_CLASSES
        .iter()
        .find(|c| {
            ctx.profile.allows_ris(PRODUCT, Some(c), Some("Any")) || ctx.profile.allows_ris(PRODUCT, Some(c), None)
        })
        .map(|c| c.to_string())
}

/// The devices of one page, each with the CM node that reported it.
fn devices_of(page: &Value) -> Vec<Value> {
    let as_list = |v: Option<&Value>| -> Vec<Value> {
        match v {
            Some(Value::Array(a)) => a.clone(),
            Some(o @ Value::Object(_)) => vec![o.clone()],
            _ => Vec::new(),
        }
    };
    let nodes = page.pointer("/selectCmDeviceReturn/SelectCmDeviceResult/CmNodes/item");
    let mut out = Vec::new();
    for node in as_list(nodes) {
        let name = node.get("Name").cloned().unwrap_or(Value::Null);
        for mut d in as_list(node.pointer("/CmDevices/item")) {
            if let Value::Object(m) = &mut d {
                m.insert("CmNode".into(), name.clone());
            }
            out.push(d);
        }
    }
    out
}

/// Drops the selection fields this schema version does not have (Protocol and DownloadStatus
/// are newer than some toolkits).
fn fit_to_schema(op: &'static uc_wire::OperationDescriptor, mut request: Value) -> Value {
    let criteria_fields = op.request.struct_parts().and_then(|(_, _, fields)| {
        fields
            .iter()
            .find(|f| f.name == "CmSelectionCriteria")
            .and_then(|f| match f.ty {
                uc_wire::schema::FieldType::Type(t) => t.struct_parts().map(|(_, _, fs)| fs),
                _ => None,
            })
    });
    if let (Some(fields), Some(Value::Object(m))) = (criteria_fields, request.get_mut("CmSelectionCriteria")) {
        m.retain(|k, _| fields.iter().any(|f| f.name == k));
    }
    request
}

fn rate_fault(e: &CucmError) -> Option<String> {
    let CucmError::Wire {
        source: uc_wire::Error::Fault(f),
        ..
    } = e
    else {
        return None;
    };
    f.faultstring.contains("Exceeded allowed rate for Reatime information").then(|| {
        let limit = f
            .faultstring
            .split("realtime information is ")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .unwrap_or("a limited number of");
        format!(
            "RisPort rate control: the CUCM allows {limit} realtime requests per minute and that is used up; retry in up to 60 s (this is the CUCM's own limit, shared by every RIS client of that cluster)"
        )
    })
}

async fn query(ctx: Ctx, args: Map<String, Value>) -> Result<Value, ToolError> {
    only_keys(
        &args,
        &[
            "host",
            "device_class",
            "status",
            "select_by",
            "items",
            "max_devices",
            "max_pages",
        ],
    )?;
    let host = text_arg(&args, "host")?;
    let class = match one_of(&args, "device_class", DEVICE_CLASSES)? {
        Some(c) => c,
        None => default_class(&ctx).ok_or_else(|| {
            ToolError::Permission(format!("profile '{}' allows no RIS device class", ctx.profile.name))
        })?,
    };
    let status = one_of(&args, "status", STATUSES)?.unwrap_or_else(|| "Any".into());
    if !ctx.profile.allows_ris(PRODUCT, Some(&class), Some(&status)) {
        return Err(ToolError::Permission(format!(
            "profile '{}' does not allow RIS queries for device class '{class}' with status '{status}'",
            ctx.profile.name
        )));
    }
    let select_by = one_of(&args, "select_by", SELECT_BY)?.unwrap_or_else(|| "Name".into());
    let items: Vec<String> = match args.get("items") {
        None | Some(Value::Null) => vec!["*".into()],
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::String(s) if !s.trim().is_empty() && !s.chars().any(char::is_control) => {
                    Ok(s.trim().to_string())
                }
                _ => Err(ToolError::InvalidArguments(format!(
                    "$.items[{i}]: expected a non-empty string"
                ))),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(ToolError::InvalidArguments(
                "$.items: expected an array of strings".into(),
            ))
        }
    };
    if items.is_empty() || items.len() > 1000 {
        return Err(ToolError::InvalidArguments("$.items: give 1 to 1000 items".into()));
    }
    let max_devices = opt_int_arg(&args, "max_devices", 1, MAX_PER_PAGE)?.unwrap_or(MAX_PER_PAGE);
    let max_pages = opt_int_arg(&args, "max_pages", 1, 50)?.unwrap_or(1);
    let q = Selection {
        class,
        status,
        select_by,
        items,
        max_devices,
        max_pages,
    };
    select_devices(&ctx, &host, &q).await
}

/// What selectCmDevice is asked for.
pub struct Selection {
    pub class: String,
    pub status: String,
    pub select_by: String,
    pub items: Vec<String>,
    pub max_devices: u64,
    pub max_pages: u64,
}

/// Runs selectCmDevice (already allowed by the profile), following StateInfo.
pub async fn select_devices(ctx: &Ctx, host: &str, q: &Selection) -> Result<Value, ToolError> {
    let Selection {
        class,
        status,
        select_by,
        items,
        ..
    } = q;
    let (max_devices, max_pages) = (q.max_devices, q.max_pages);
    let host = host.to_string();
    let cred = CredentialStore::open(&ctx.state.config, &ctx.client.name)?
        .get(&host, Kind::Axl)
        .cloned()
        .ok_or_else(|| {
            ToolError::Failed(format!(
                "no AXL credentials are stored for {host} (RisPort uses the AXL API user); store them with cucm_store_credentials"
            ))
        })?;
    let op = cisco_uc::ris::OPERATIONS
        .iter()
        .copied()
        .find(|o| o.name == "selectCmDevice")
        .ok_or_else(|| ToolError::Failed("the compiled RisPort schema has no selectCmDevice".into()))?;
    let session = ctx
        .state
        .cisco
        .session(&CUCM, &ctx.state.config, &ctx.client.name, &host, RIS_PATH, &cred)?;

    let mut devices = Vec::new();
    let mut state_info = String::new();
    let (mut pages, mut total_found, mut complete) = (0u64, Value::Null, false);
    while pages < max_pages {
        let request = json!({
            "StateInfo": state_info,
            "CmSelectionCriteria": {
                "MaxReturnedDevices": max_devices,
                "DeviceClass": class,
                "Model": 255,
                "Status": status,
                "NodeName": null,
                "SelectBy": select_by,
                "SelectItems": {"item": items.iter().map(|i| json!({"Item": i})).collect::<Vec<_>>()},
                "Protocol": "Any",
                "DownloadStatus": "Any",
            },
        });
        let request = uc_wire::json::from_json(op.request, &fit_to_schema(op, request))
            .map_err(|e| ToolError::Failed(format!("building selectCmDevice: {e}")))?;
        // RisPort has no AXL-style throttling; its rate fault is reported, not retried blindly.
        let value = match session.call(op, request).await {
            Ok(v) => v,
            Err(source) => {
                let e = CucmError::Wire {
                    host: host.clone(),
                    source,
                };
                return Err(ToolError::Failed(rate_fault(&e).unwrap_or_else(|| e.to_string())));
            }
        };
        let page = uc_wire::json::to_json(op.response, &value);
        pages += 1;
        let got = devices_of(&page);
        let n = got.len() as u64;
        devices.extend(got);
        total_found = page
            .pointer("/selectCmDeviceReturn/SelectCmDeviceResult/TotalDevicesFound")
            .cloned()
            .unwrap_or(Value::Null);
        let next = page
            .pointer("/selectCmDeviceReturn/StateInfo")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if n < max_devices || next.is_empty() || next == state_info {
            complete = true;
            break;
        }
        state_info = next;
    }
    Ok(json!({
        "host": host,
        "device_class": class,
        "status": status,
        "pages": pages,
        "complete": complete,
        "total_devices_found": total_found,
        "count": devices.len(),
        "devices": devices,
        "state_info": if complete { Value::Null } else { Value::String(state_info) },
    }))
}

pub fn tools() -> Vec<ToolDef> {
    vec![ToolDef::new(
        "cucm_risport_query",
        "Real-time device registration from RisPort70 (selectCmDevice): status, IP addresses, CM node, model and firmware, filtered by device class and status as your profile allows. Follows StateInfo across up to max_pages requests.",
        schema(),
        Access::Ris { product: PRODUCT },
        Limit::Product(PRODUCT, Category::Ris),
        query,
    )]
}
