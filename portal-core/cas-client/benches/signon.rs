//! Server-side cost of a CAS sign-in besides the round trip to the CAS server: parsing a
//! realistic `serviceResponse` (SupAnn attributes, PGTIOU) and building the service and
//! login URLs. Run with `cargo bench -p agora-cas --bench signon`.

// `criterion_group!` generates an undocumented public function.
#![allow(missing_docs)]

use agora_cas::service::canonical_service;
use agora_cas::{CasClient, LoginOptions, parse_logout_request, parse_validation};
use criterion::{Criterion, criterion_group, criterion_main};

const RESPONSE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
  <cas:authenticationSuccess>
    <cas:user>alice.martin</cas:user>
    <cas:attributes>
      <cas:authenticationDate>2026-11-22T21:00:00Z</cas:authenticationDate>
      <cas:isFromNewLogin>true</cas:isFromNewLogin>
      <cas:uid>alice.martin</cas:uid>
      <cas:displayName>Alice Martin</cas:displayName>
      <cas:mail>alice.martin@etu.univ-agora.fr</cas:mail>
      <cas:eduPersonAffiliation>student</cas:eduPersonAffiliation>
      <cas:eduPersonAffiliation>member</cas:eduPersonAffiliation>
      <cas:eduPersonPrimaryAffiliation>student</cas:eduPersonPrimaryAffiliation>
      <cas:supannEtuId>22400123</cas:supannEtuId>
      <cas:supannEntiteAffectation>UFR27</cas:supannEntiteAffectation>
      <cas:supannEtuInscription>[etab={UAI}0751717J][anneeinsc=2026][regimeinsc={SISE}10][sectdisc={SISE}25][typedip={SISE}XB][cursusann={SUPANN}L1][affect=UFR27][diplome={SISE}2500256][etape={UAI:0751717J}L1MATH]</cas:supannEtuInscription>
    </cas:attributes>
    <cas:proxyGrantingTicket>PGTIOU-84678-8a9d2sfvJBzfa0eVJpxEPiQYJWlXcZuWVC</cas:proxyGrantingTicket>
  </cas:authenticationSuccess>
</cas:serviceResponse>"#;

const LOGOUT: &str = r#"<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="x" Version="2.0" IssueInstant="2026-11-22T21:00:00Z"><saml:NameID>alice.martin</saml:NameID><samlp:SessionIndex>ST-1700-abcdef</samlp:SessionIndex></samlp:LogoutRequest>"#;

fn benches(c: &mut Criterion) {
    let client = CasClient::new("https://cas.univ-agora.fr/cas/", reqwest::Client::new()).expect("client");
    c.bench_function("parse_validation_supann", |b| {
        b.iter(|| parse_validation(RESPONSE).expect("valid"))
    });
    c.bench_function("service_and_login_url", |b| {
        b.iter(|| {
            let service = canonical_service("https://ent.univ-agora.fr/", "login/cas").expect("service");
            client.login_url(&service, LoginOptions::default())
        })
    });
    c.bench_function("parse_logout_request", |b| {
        b.iter(|| parse_logout_request(LOGOUT).expect("valid"))
    });
}

criterion_group!(signon, benches);
criterion_main!(signon);
