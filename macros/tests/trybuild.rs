//! What the macros accept and the errors they give (trybuild; `TRYBUILD=overwrite` refreshes
//! the expected messages in `tests/ui/*.stderr`).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass_*.rs");
    t.compile_fail("tests/ui/fail_*.rs");
}
