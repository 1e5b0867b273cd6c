//! Types that contain themselves (directly or through others) need a `Box` somewhere on the
//! cycle; a depth-first search boxes each back edge.

use crate::ir::{FieldTy, Service, TypeKind};

fn edges(service: &Service, id: usize) -> Vec<(usize, usize)> {
    let fields = match &service.types[id].kind {
        TypeKind::Struct { fields, .. } => fields,
        TypeKind::Choice { variants } => variants,
        TypeKind::Enum { .. } => return Vec::new(),
    };
    fields
        .iter()
        .enumerate()
        // A Vec already puts its items on the heap: only single values can make a type infinite.
        .filter_map(|(i, f)| match f.ty {
            FieldTy::Type(t) if !f.is_list() => Some((i, t)),
            _ => None,
        })
        .collect()
}

pub fn run(service: &mut Service) {
    let n = service.types.len();
    // 0 = unvisited, 1 = on the stack, 2 = done.
    let mut state = vec![0u8; n];
    let mut to_box = Vec::new();
    for start in 0..n {
        if state[start] != 0 {
            continue;
        }
        let mut stack = vec![(start, edges(service, start), 0usize)];
        state[start] = 1;
        while let Some((node, list, pos)) = stack.last_mut() {
            if *pos < list.len() {
                let (field, target) = list[*pos];
                *pos += 1;
                match state[target] {
                    0 => {
                        state[target] = 1;
                        let e = edges(service, target);
                        stack.push((target, e, 0));
                    }
                    1 => to_box.push((*node, field)),
                    _ => {}
                }
            } else {
                state[*node] = 2;
                stack.pop();
            }
        }
    }
    for (id, field) in to_box {
        match &mut service.types[id].kind {
            TypeKind::Struct { fields, .. } => fields[field].boxed = true,
            TypeKind::Choice { variants } => variants[field].boxed = true,
            TypeKind::Enum { .. } => {}
        }
    }
}
