//! A realistic cluster generated deterministically from a seed: 3 nodes, device pools,
//! partitions, users, lines and phones of several models with their registration state.

use uc_wire::sample::Rng;
use uc_wire::xml::Element;

use crate::store::{Registration, Store};

pub const NODES: [&str; 3] = ["cucm-pub", "cucm-sub1", "cucm-sub2"];
pub const DEVICE_POOLS: [&str; 3] = ["DP_HQ", "DP_BRANCH1", "DP_BRANCH2"];
pub const PARTITIONS: [&str; 2] = ["PT_INTERNAL", "PT_LOBBY"];
/// (model name, RIS model number, protocol)
pub const MODELS: [(&str, u32, &str); 5] = [
    ("Cisco 8845", 36670, "SIP"),
    ("Cisco 8865", 36677, "SIP"),
    ("Cisco 7841", 622, "SIP"),
    ("Cisco 9971", 493, "SIP"),
    ("Cisco 7965", 436, "SCCP"),
];
const FIRST: [&str; 12] = [
    "Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy", "Mallory", "Oscar",
];
const LAST: [&str; 10] = [
    "Smith", "Jones", "Garcia", "Miller", "Davis", "Martin", "Lopez", "Clark", "Lewis", "Walker",
];

pub fn leaf(name: &str, text: &str) -> Element {
    Element {
        name: name.into(),
        text: text.into(),
        ..Default::default()
    }
}

pub fn node(name: &str, children: Vec<Element>) -> Element {
    Element {
        name: name.into(),
        children,
        ..Default::default()
    }
}

fn fk(name: &str, text: &str) -> Element {
    leaf(name, text)
}

/// Fills `store` with `phones` phones (and as many users and lines).
pub fn populate(store: &mut Store, seed: u64, phones: usize) {
    let mut rng = Rng::new(seed);
    for p in PARTITIONS {
        let _ = store.insert(
            "RoutePartition",
            node(
                "routePartition",
                vec![leaf("name", p), leaf("description", &format!("{p} partition"))],
            ),
            seed,
        );
    }
    for dp in DEVICE_POOLS {
        let _ = store.insert("DevicePool", node("devicePool", vec![leaf("name", dp)]), seed);
    }
    // IM and Presence: the presence gateways its AXL serves.
    for (name, kind, description) in [
        ("cucm-pub.example.com", "CUCM", "Call control publisher"),
        ("cucm-sub1.example.com", "CUCM", "Call control subscriber"),
        ("exchange.example.com", "Exchange - EWS", "Calendar presence"),
    ] {
        let _ = store.insert(
            "PresenceGateway",
            node(
                "presenceGateway",
                vec![
                    leaf("name", name),
                    leaf("presenceGatewayType", kind),
                    leaf("description", description),
                ],
            ),
            seed,
        );
    }
    for i in 0..phones {
        let first = FIRST[rng.below(FIRST.len() as u64) as usize];
        let last = LAST[rng.below(LAST.len() as u64) as usize];
        let userid = format!(
            "{}{}{}",
            first.to_lowercase().chars().next().unwrap_or('u'),
            last.to_lowercase(),
            i
        );
        let dn = format!("{}", 1000 + i);
        let partition = if i % 10 == 0 { PARTITIONS[1] } else { PARTITIONS[0] };
        let (model, _, protocol) = MODELS[rng.below(MODELS.len() as u64) as usize];
        let mac = format!("{:012X}", 0x0011_2233_0000u64 + (i as u64) * 7919 + rng.below(7));
        let name = format!("SEP{mac}");
        let pool = DEVICE_POOLS[i % DEVICE_POOLS.len()];

        let _ = store.insert(
            "User",
            node(
                "user",
                vec![
                    leaf("firstName", first),
                    leaf("lastName", last),
                    leaf("userid", &userid),
                    leaf("mailid", &format!("{userid}@example.com")),
                    leaf("department", ["Sales", "Support", "Engineering", "Finance"][i % 4]),
                    leaf("telephoneNumber", &dn),
                    node("associatedDevices", vec![leaf("device", &name)]),
                ],
            ),
            seed,
        );
        let _ = store.insert(
            "Line",
            node(
                "line",
                vec![
                    leaf("pattern", &dn),
                    leaf("description", &format!("{first} {last}")),
                    leaf("usage", "Device"),
                    fk("routePartitionName", partition),
                    leaf("alertingName", &format!("{first} {last}")),
                ],
            ),
            seed,
        );
        let _ = store.insert(
            "Phone",
            node(
                "phone",
                vec![
                    leaf("name", &name),
                    leaf("description", &format!("{first} {last} - {model}")),
                    leaf("product", model),
                    leaf("model", model),
                    leaf("class", "Phone"),
                    leaf("protocol", protocol),
                    leaf("protocolSide", "User"),
                    fk("devicePoolName", pool),
                    node(
                        "lines",
                        vec![node(
                            "line",
                            vec![
                                leaf("index", "1"),
                                leaf("label", &format!("{first} {last}")),
                                node("dirn", vec![leaf("pattern", &dn), fk("routePartitionName", partition)]),
                            ],
                        )],
                    ),
                    fk("ownerUserName", &userid),
                ],
            ),
            seed,
        );
        let roll = rng.below(100);
        let status = if roll < 80 {
            "Registered"
        } else if roll < 95 {
            "UnRegistered"
        } else {
            "Rejected"
        };
        store.registrations.insert(
            name,
            Registration {
                status,
                node: NODES[i % NODES.len()].to_string(),
                ip: format!("10.{}.{}.{}", 10 + i % 3, (i / 250) % 250, 10 + i % 240),
                timestamp: 1_700_000_000 + i as u64 * 37,
            },
        );
    }
}
