//! SOAP 1.1 envelopes: building requests from a [`Value`] and reading responses and faults.

use crate::error::{Error, Fault};
use crate::schema::{Binding, OperationDescriptor};
use crate::value::Value;
use crate::xml::{self, Element};

pub const ENVELOPE_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
pub const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

fn soap_parts(
    op: &OperationDescriptor,
) -> Result<(&'static str, &'static str, &'static str, &'static str, bool), Error> {
    match op.binding {
        Binding::Soap {
            action,
            request_element,
            response_element,
            namespace,
            qualified,
        } => Ok((action, request_element, response_element, namespace, qualified)),
        Binding::Http { .. } => Err(Error::Config(format!("{} is not a SOAP operation", op.name))),
    }
}

/// The operation's wrapper element with its content: the SOAP body's only child.
/// AXL qualifies only the wrapper (`ns:` prefix); RIS qualifies everything (default namespace).
pub fn request_body(op: &'static OperationDescriptor, value: &Value) -> Result<String, Error> {
    let (_, element, _, ns, qualified) = soap_parts(op)?;
    let open = if qualified {
        format!("{element} xmlns=\"{ns}\" xmlns:xsi=\"{XSI_NS}\"")
    } else {
        format!("ns:{element} xmlns:ns=\"{ns}\" xmlns:xsi=\"{XSI_NS}\"")
    };
    let mut out = String::with_capacity(256);
    xml::encode_body(&mut out, op.request, value, &open)?;
    Ok(out)
}

/// The whole request envelope.
pub fn request_envelope(op: &'static OperationDescriptor, value: &Value) -> Result<String, Error> {
    let body = request_body(op, value)?;
    Ok(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope xmlns:soapenv=\"{ENVELOPE_NS}\"><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
    ))
}

/// The `SOAPAction` header value, quoted as the WSDL binding gives it.
pub fn soap_action(op: &'static OperationDescriptor) -> Result<String, Error> {
    let (action, ..) = soap_parts(op)?;
    Ok(format!("\"{action}\""))
}

/// Reads a response envelope: the decoded response, or the fault it carries.
pub fn read_response(op: &'static OperationDescriptor, body: &str) -> Result<Value, Error> {
    let root = xml::parse(body)?;
    let payload = body_child(&root)?;
    if payload.name == "Fault" {
        return Err(Error::Fault(Box::new(read_fault(op, payload))));
    }
    let (_, _, response_element, _, _) = soap_parts(op)?;
    if payload.name != response_element {
        return Err(Error::NotSoap(format!(
            "expected <{response_element}>, found <{}>",
            payload.name
        )));
    }
    Ok(xml::decode_struct(
        op.response,
        payload,
        &format!("/{response_element}"),
    )?)
}

fn body_child(root: &Element) -> Result<&Element, Error> {
    if root.name != "Envelope" {
        return Err(Error::NotSoap(format!(
            "root element is <{}>, not <Envelope>",
            root.name
        )));
    }
    let body = root
        .child("Body")
        .ok_or_else(|| Error::NotSoap("no <Body> in the envelope".into()))?;
    body.children
        .first()
        .ok_or_else(|| Error::NotSoap("empty <Body>".into()))
}

/// Decodes a fault; `detail/axlError` gives AXL's code, message and request.
pub fn read_fault(op: &'static OperationDescriptor, fault: &Element) -> Fault {
    let text = |e: &Element, n: &str| e.child(n).map(|c| c.text.trim().to_string());
    let axl = fault.child("detail").and_then(|d| d.find("axlError"));
    Fault {
        operation: op.name,
        faultcode: text(fault, "faultcode").unwrap_or_default(),
        faultstring: text(fault, "faultstring").unwrap_or_default(),
        axlcode: axl.and_then(|a| text(a, "axlcode")).and_then(|c| c.parse().ok()),
        axlmessage: axl.and_then(|a| text(a, "axlmessage")),
        request: axl.and_then(|a| text(a, "request")),
    }
}

/// Tries to read a fault out of a body that came with an HTTP error status.
pub fn fault_in(op: &'static OperationDescriptor, body: &str) -> Option<Fault> {
    let root = xml::parse(body).ok()?;
    let payload = body_child(&root).ok()?;
    (payload.name == "Fault").then(|| read_fault(op, payload))
}

/// The `<title>` of an HTML page, for error messages.
pub fn html_title(body: &str) -> Option<String> {
    let lower = body.to_ascii_lowercase();
    let trimmed = lower.trim_start();
    if !(trimmed.starts_with("<!doctype html") || trimmed.starts_with("<html")) {
        return None;
    }
    let start = lower.find("<title>")? + 7;
    let end = lower[start..].find("</title>")? + start;
    Some(body[start..end].trim().to_string())
}
