//! What an approval approved, as a digest (SPEC 3.2): the definition
//! (service, type, version, changes, window, impact, risk, rollback,
//! rationale, resources, people, depends_on) and, for acceptance sign-off,
//! the definition plus the current build and the known issues. A later
//! change to that content gives a different digest, and the approval no
//! longer counts.
//!
//! SHA-256 is written out here (FIPS 180-4) rather than taken from a crate:
//! it is some sixty lines, checked below against the standard's test
//! vectors, and the build must work offline with the crates it has.

use super::{Approval, DefectStatus, Purpose, Release};
use serde::Serialize;

const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// The SHA-256 of `data`, in lowercase hex.
pub fn sha256_hex(data: &[u8]) -> String {
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut msg = data.to_vec();
    let bits = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bits.to_be_bytes());
    for block in msg.chunks(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *x = x.wrapping_add(y);
        }
    }
    h.iter().map(|x| format!("{x:08x}")).collect()
}

/// The release definition as the service owner approves it.
#[derive(Serialize)]
struct Definition<'a> {
    service: &'a str,
    #[serde(rename = "type")]
    kind: super::ReleaseType,
    version: &'a Option<String>,
    changes: &'a [String],
    window: &'a super::Window,
    impact: super::Impact,
    risk: &'a Option<super::Risk>,
    rollback: &'a Option<super::Rollback>,
    rationale: &'a str,
    resources: &'a [String],
    people: &'a [String],
    depends_on: &'a [String],
}

#[derive(Serialize)]
struct KnownIssue<'a> {
    id: &'a str,
    severity: super::Severity,
    title: &'a str,
    workaround: &'a Option<String>,
}

/// What acceptance sign-off accepts: the definition, the build, the known
/// issues (seed: "Known issues are acceptable for production deployment").
#[derive(Serialize)]
struct Acceptance<'a> {
    definition: Definition<'a>,
    build: Option<&'a super::BuildRecord>,
    known_issues: Vec<KnownIssue<'a>>,
}

fn definition(r: &Release) -> Definition<'_> {
    Definition {
        service: &r.service,
        kind: r.kind,
        version: &r.version,
        changes: &r.changes,
        window: &r.window,
        impact: r.impact,
        risk: &r.risk,
        rollback: &r.rollback,
        rationale: &r.rationale,
        resources: &r.resources,
        people: &r.people,
        depends_on: &r.depends_on,
    }
}

/// `sha256:<hex>` of what an approval for `purpose` approves in `r` as it
/// stands. A go decision is not bound to content (it is given on the day).
pub fn of(r: &Release, purpose: Purpose) -> String {
    let json = match purpose {
        Purpose::Definition | Purpose::Go => serde_json::to_string(&definition(r)),
        Purpose::Acceptance => serde_json::to_string(&Acceptance {
            definition: definition(r),
            build: r.current_build(),
            known_issues: r
                .defects
                .iter()
                .filter(|d| d.status == DefectStatus::KnownIssue && !d.post_deploy)
                .map(|d| KnownIssue {
                    id: &d.id,
                    severity: d.severity,
                    title: &d.title,
                    workaround: &d.workaround,
                })
                .collect(),
        }),
    }
    .expect("release content serialises");
    format!("sha256:{}", sha256_hex(json.as_bytes()))
}

/// Whether an approval still counts, and why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// Bound to content that has not changed since.
    Counts,
    /// Recorded before approvals carried a digest: it counts, but nothing
    /// binds it to what was approved (`rel show` says so).
    Legacy,
    /// Stays in the record, no longer counts; the reason names the edit.
    Void(String),
}

impl Release {
    /// Whether `a` still counts for this release as it stands (SPEC 3.2).
    pub fn standing(&self, a: &Approval) -> Standing {
        if a.purpose != Purpose::Definition && !self.for_current_build(a.at) {
            let n = self.cycle();
            let since = self
                .fix_cycles
                .last()
                .map(|f| format!(" at {}", f.at.format("%Y-%m-%d %H:%M")))
                .unwrap_or_default();
            return Standing::Void(format!("fix cycle {n} began{since} (a new build)"));
        }
        if let Some(m) = self.reschedules.last().filter(|m| a.at <= m.at) {
            return Standing::Void(format!(
                "rescheduled by {} at {} (a new window)",
                m.by,
                m.at.format("%Y-%m-%d %H:%M")
            ));
        }
        let Some(digest) = &a.digest else {
            return Standing::Legacy;
        };
        if *digest == of(self, a.purpose) {
            return Standing::Counts;
        }
        let edits: Vec<String> = self
            .amendments
            .iter()
            .filter(|m| m.at >= a.at)
            .map(|m| {
                format!(
                    "amended {} by {} at {}",
                    m.fields.join(", "),
                    m.by,
                    m.at.format("%Y-%m-%d %H:%M")
                )
            })
            .collect();
        if let Some(first) = edits.first() {
            return Standing::Void(format!("{first}, after it was given"));
        }
        if a.purpose == Purpose::Acceptance
            && let Some(b) = self.current_build().filter(|b| b.at >= a.at)
        {
            return Standing::Void(format!(
                "a new build was recorded at {} after it was given",
                b.at.format("%Y-%m-%d %H:%M")
            ));
        }
        Standing::Void(
            "what it approved was changed afterwards outside rel amend (the record was edited)"
                .to_string(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::sha256_hex;

    #[test]
    fn sha256_matches_the_standard_vectors() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            sha256_hex(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        assert_eq!(
            sha256_hex(&[b'a'; 1000]),
            "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"
        );
    }
}
