namespace Rampart.Ike.Wire;

/// <summary>ISAKMP payload types (RFC 2408 §3.1, RFC 3947 §3, draft-ietf-ipsec-nat-t-ike-02 and vendor private values).</summary>
public enum PayloadType : byte
{
    None = 0,
    SecurityAssociation = 1,
    Proposal = 2,
    Transform = 3,
    KeyExchange = 4,
    Identification = 5,
    Certificate = 6,
    CertificateRequest = 7,
    Hash = 8,
    Signature = 9,
    Nonce = 10,
    Notification = 11,
    Delete = 12,
    VendorId = 13,
    NatDiscovery = 20,
    NatOriginalAddress = 21,
    /// <summary>NAT-D as numbered by the NAT-T drafts before RFC 3947.</summary>
    NatDiscoveryDraft = 130,
    /// <summary>GSS-API token (draft-ietf-ipsec-isakmp-gss-auth, Windows 2000 Kerberos authentication; docs/kerberos.md).</summary>
    GssToken = 129,
    /// <summary>NAT-OA as numbered by the NAT-T drafts before RFC 3947.</summary>
    NatOriginalAddressDraft = 131,
    /// <summary>IKEv1 fragment, negotiated by the FRAGMENTATION vendor ID (Cisco, Microsoft, strongSwan; not RFC 7383).</summary>
    Fragment = 132,
}
