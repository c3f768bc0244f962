using System.Buffers.Binary;

namespace Rampart.Ike.V1;

/// <summary>Vendor IDs that switch on protocol extensions (RFC 3947 §3.1 and its drafts, RFC 3706 §7, IKE fragmentation).</summary>
internal static class VendorIds
{
    /// <summary>
    /// MD5("FRAGMENTATION") followed by capability flags 0x80000000 (Main and Aggressive Mode messages may be sent in
    /// fragments), as Cisco and strongSwan send it. Windows sends the bare 16-byte hash and accepts either.
    /// </summary>
    public static readonly byte[] Fragmentation = Convert.FromHexString("4048b7d56ebce88525e7de7f00d6c2d380000000");

    private const int FragmentationHashLength = 16;
    private const uint FragmentationOfPhase1 = 0x80000000;

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

    /// <summary>MD5("MS NT5 ISAKMPOAKLEY") and version 2: what Windows 2000 sends (docs/kerberos.md).</summary>
    public static readonly byte[] MicrosoftNt5 = Convert.FromHexString("1e2b516905991c7d7c96fcbfb587e46100000002");

    /// <summary>MD5("GSSAPI"): GSS-API authentication, as Windows 2000 recognises it.</summary>
    public static readonly byte[] GssApi = Convert.FromHexString("621b04bb09882ac1e15935fefa24aeee");

    /// <summary>MD5("A GSS-API Authentication Method for IKE"): the draft's own.</summary>
    public static readonly byte[] GssApiDraft = Convert.FromHexString("ad2c0dd0b9c32083ccba25b8861ec455");

    private const int MicrosoftNt5HashLength = 16;

    /// <summary>The peer speaks GSS-API authentication: one of the three vendor IDs (Windows' with any version).</summary>
    public static bool IsGssApi(ReadOnlySpan<byte> vendorId) =>
        vendorId.SequenceEqual(GssApi) || vendorId.SequenceEqual(GssApiDraft)
        || (vendorId.Length >= MicrosoftNt5HashLength && vendorId[..MicrosoftNt5HashLength].SequenceEqual(MicrosoftNt5.AsSpan(0, MicrosoftNt5HashLength)));

    /// <summary>The peer can receive fragments: the FRAGMENTATION hash alone, or with flags that include phase 1 messages.</summary>
    public static bool IsFragmentation(ReadOnlySpan<byte> vendorId) =>
        vendorId.Length >= FragmentationHashLength
        && vendorId[..FragmentationHashLength].SequenceEqual(Fragmentation.AsSpan(0, FragmentationHashLength))
        && vendorId.Length switch
        {
            FragmentationHashLength => true,
            FragmentationHashLength + 4 => (BinaryPrimitives.ReadUInt32BigEndian(vendorId[FragmentationHashLength..]) & FragmentationOfPhase1) != 0,
            _ => false,
        };
}
