//! Which addresses a metadata document may be fetched from. A client id URL is chosen by
//! whoever sends the authorization request, so fetching it must not reach what only this
//! server can reach: special-use addresses (RFC 6890 and the IANA special-purpose registries)
//! are refused, loopback included unless this server itself runs on loopback
//! (draft-ietf-oauth-client-id-metadata-document, "Server Side Request Forgery").

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether a document may be fetched from `ip`.
pub fn allowed(ip: IpAddr, loopback_allowed: bool) -> bool {
    match ip {
        IpAddr::V4(v4) => v4_allowed(v4, loopback_allowed),
        IpAddr::V6(v6) => {
            if let Some(v4) = embedded_v4(v6) {
                return v4_allowed(v4, loopback_allowed);
            }
            if v6.is_loopback() {
                return loopback_allowed;
            }
            !v6_special(v6)
        }
    }
}

fn v4_allowed(ip: Ipv4Addr, loopback_allowed: bool) -> bool {
    if ip.is_loopback() {
        return loopback_allowed;
    }
    !v4_special(ip)
}

/// IPv4 special-purpose blocks (RFC 6890, IANA IPv4 Special-Purpose Address Registry), and
/// multicast and reserved space.
fn v4_special(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    a == 0                                      // "this network", RFC 791
        || a == 10                              // private, RFC 1918
        || (a == 100 && (64..128).contains(&b)) // shared address space, RFC 6598
        || a == 127                             // loopback
        || (a == 169 && b == 254)               // link local, RFC 3927
        || (a == 172 && (16..32).contains(&b))  // private
        || (a == 192 && b == 0 && c == 0)       // IETF protocol assignments, RFC 6890
        || (a == 192 && b == 0 && c == 2)       // documentation, RFC 5737
        || (a == 192 && b == 88 && c == 99)     // 6to4 relay anycast, RFC 7526
        || (a == 192 && b == 168)               // private
        || (a == 198 && (18..20).contains(&b))  // benchmarking, RFC 2544
        || (a == 198 && b == 51 && c == 100)    // documentation
        || (a == 203 && b == 0 && c == 113)     // documentation
        || a >= 224 // multicast, reserved, broadcast
}

/// IPv6 special-purpose blocks (IANA IPv6 Special-Purpose Address Registry).
fn v6_special(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    ip.is_unspecified()
        || (s[0] == 0x0100 && s[1] == 0 && s[2] == 0 && s[3] == 0) // discard, RFC 6666
        || (s[0] == 0x2001 && s[1] < 0x0200)                      // IETF protocol assignments
        || (s[0] == 0x2001 && s[1] == 0x0db8)                     // documentation, RFC 3849
        || s[0] == 0x2002                                         // 6to4, RFC 3056
        || (s[0] & 0xfff0) == 0x3ff0                              // documentation, RFC 9637
        || (s[0] & 0xfe00) == 0xfc00                              // unique local, RFC 4193
        || (s[0] & 0xffc0) == 0xfe80                              // link local
        || (s[0] & 0xffc0) == 0xfec0                              // site local, deprecated
        || (s[0] & 0xff00) == 0xff00 // multicast
}

/// The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`) or
/// NAT64 (`64:ff9b::a.b.c.d`, RFC 6052) address, judged as that IPv4 address.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let tail = || Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    if s[..6] == [0, 0, 0, 0, 0, 0] && !ip.is_loopback() && !ip.is_unspecified() {
        return Some(tail());
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] || (s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1) {
        return Some(tail());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(ip: &str, loopback: bool) -> bool {
        allowed(ip.parse().unwrap(), loopback)
    }

    #[test]
    fn public_addresses_are_allowed() {
        for ip in [
            "93.184.215.14",
            "8.8.8.8",
            "2606:4700::6810:85e5",
            "1.1.1.1",
        ] {
            assert!(ok(ip, false), "{ip}");
        }
    }

    #[test]
    fn special_use_addresses_are_refused() {
        for ip in [
            "0.0.0.0",
            "10.1.2.3",
            "100.64.0.1",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.51.100.1",
            "203.0.113.9",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "2002:c000:0204::1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
            "::10.0.0.1",
            "100::1",
            "2001::1",
        ] {
            assert!(!ok(ip, false), "{ip}");
            assert!(!ok(ip, true), "{ip} even when loopback is allowed");
        }
    }

    #[test]
    fn loopback_only_when_this_server_is_on_loopback() {
        for ip in ["127.0.0.1", "127.9.9.9", "::1", "::ffff:127.0.0.1"] {
            assert!(!ok(ip, false), "{ip}");
            assert!(ok(ip, true), "{ip}");
        }
    }
}
