//! The network an address belongs to, as the guard against use from a new network compares
//! them: an IPv4 /24 or an IPv6 /48 (an IPv4-mapped IPv6 address counts as IPv4). Coarse on
//! purpose: a laptop that changes address within its network is not a new network.

use std::net::IpAddr;

/// `203.0.113.0/24`, `2001:db8:1::/48`.
pub fn of(addr: IpAddr) -> String {
    match addr {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => of(IpAddr::V4(v4)),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
            }
        },
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::of;

    #[test]
    fn addresses_fall_into_their_slash_24_or_slash_48() {
        let net = |s: &str| of(s.parse().unwrap());
        assert_eq!(net("203.0.113.9"), "203.0.113.0/24");
        assert_eq!(net("203.0.113.200"), net("203.0.113.1"));
        assert_ne!(net("203.0.114.1"), net("203.0.113.1"));
        assert_eq!(net("::ffff:203.0.113.9"), "203.0.113.0/24");
        assert_eq!(net("2001:db8:1:2::5"), "2001:db8:1::/48");
        assert_eq!(net("2001:db8:1:ffff::1"), net("2001:db8:1::9"));
    }
}
