namespace Rampart.Ike.V1;

/// <summary>Vendor IDs that switch on protocol extensions (RFC 3947 §3.1 and its drafts, RFC 3706 §7).</summary>
internal static class VendorIds
{
    /// <summary>MD5("RFC 3947").</summary>
    public static readonly byte[] NatTraversalRfc3947 = Convert.FromHexString("4a131c81070358455c5728f20e95452f");

    /// <summary>MD5("draft-ietf-ipsec-nat-t-ike-02").</summary>
    public static readonly byte[] NatTraversalDraft02 = Convert.FromHexString("cd60464335df21f87cfdb2fc68b6a448");

    /// <summary>MD5("draft-ietf-ipsec-nat-t-ike-02\n"), as many implementations (and strongSwan) also send.</summary>
    public static readonly byte[] NatTraversalDraft02Newline = Convert.FromHexString("90cb80913ebb696e086381b5ec427b1f");

    /// <summary>MD5("draft-ietf-ipsec-nat-t-ike-03").</summary>
    public static readonly byte[] NatTraversalDraft03 = Convert.FromHexString("7d9419a65310ca6f2c179d9215529d56");

    /// <summary>RFC 3706 dead peer detection, version 1.0.</summary>
    public static readonly byte[] DeadPeerDetection = Convert.FromHexString("afcad71368a1f1c96b8696fc77570100");
}
