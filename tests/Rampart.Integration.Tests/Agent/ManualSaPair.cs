using System.Globalization;
using Rampart.Lab;

namespace Rampart.Integration.Tests.Agent;

/// <summary>
/// Two manually keyed SAs between hosts A and B (A to B, B to A) with fixed test keys, added with the same
/// <c>rampart sa add</c> commands on both hosts, and the tshark options that decrypt them. Between the hosts' IPv4
/// addresses, or their IPv6 ones with <paramref name="Ipv6"/> (also the tunnel endpoints).
/// </summary>
public sealed record ManualSaPair(string Algorithm, string Mode, bool UdpEncapsulated, bool Ipv6 = false)
{
    public const uint SpiAToB = 0x1001;
    public const uint SpiBToA = 0x2002;

    public bool IsAh => Algorithm == "ah-sha256";

    public string AddressA => Ipv6 ? NetworkNamespacePair.Address6A : NetworkNamespacePair.AddressA;

    public string AddressB => Ipv6 ? NetworkNamespacePair.Address6B : NetworkNamespacePair.AddressB;

    /// <summary>
    /// tshark display filter for what the link must not carry. By IP protocol, because full-size packets leave as
    /// fragments (DF cleared on the outer header) that tshark does not dissect as ESP or AH.
    /// </summary>
    public string ForbiddenOnWire => Ipv6 ? ForbiddenOnIpv6Wire : IsAh ? "not ip.proto == 51" : UdpEncapsulated
        ? "not ip.proto == 17 or (udp and not udp.port == 4500) or (udp and not esp)"
        : "not ip.proto == 50";

    /// <summary>
    /// The IPv6 link must carry only the SA's protocol, whole or in fragments (the fragment header names it), apart
    /// from neighbour discovery (ICMPv6 133-137) and multicast, which the agent exempts so the link keeps working.
    /// </summary>
    private string ForbiddenOnIpv6Wire
    {
        get
        {
            if (UdpEncapsulated)
            {
                throw new NotSupportedException("the IPv6 tests do not encapsulate in UDP");
            }

            int protocol = IsAh ? 51 : 50;
            return $"not (ipv6.nxt == {protocol} or ipv6.fraghdr.nxt == {protocol} or (icmpv6.type >= 133 and icmpv6.type <= 137) or ipv6.dst == ff00::/8)";
        }
    }

    public void AddTo(AgentHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        host.Cli(AddArguments(SpiAToB, AddressA, AddressB, 0xa1));
        host.Cli(AddArguments(SpiBToA, AddressB, AddressA, 0xb2));
    }

    public static void DeleteFrom(AgentHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        host.Cli("sa", "delete", "--spi", Text(SpiAToB));
        host.Cli("sa", "delete", "--spi", Text(SpiBToA));
    }

    /// <summary><c>-o</c> options for tshark to decrypt and authenticate both ESP SAs.</summary>
    public IReadOnlyList<string> TsharkDecryptionOptions()
    {
        if (IsAh)
        {
            throw new InvalidOperationException("AH carries no ciphertext");
        }

        return
        [
            "-o", "esp.enable_encryption_decode:TRUE",
            "-o", "esp.enable_authentication_check:TRUE",
            "-o", UatRecord(SpiAToB, AddressA, AddressB, 0xa1),
            "-o", UatRecord(SpiBToA, AddressB, AddressA, 0xb2),
        ];
    }

    public override string ToString() => $"{Algorithm} {Mode}{(UdpEncapsulated ? " udp" : string.Empty)}{(Ipv6 ? " IPv6" : string.Empty)}";

    private string[] AddArguments(uint spi, string source, string destination, byte seed)
    {
        var arguments = new List<string> { "sa", "add", "--src", source, "--dst", destination, "--spi", Text(spi), "--mode", Mode };
        if (Mode == "tunnel")
        {
            arguments.AddRange(["--tunnel-src", source, "--tunnel-dst", destination]);
        }

        if (UdpEncapsulated)
        {
            arguments.AddRange(["--encap", "udp"]);
        }

        arguments.AddRange(Algorithm switch
        {
            "aes-gcm-128" => ["--aead", "aes-gcm-128:" + Key(seed, 20)],
            "aes-cbc-128-sha256" => ["--enc", "aes-cbc-128:" + Key(seed, 16), "--auth", "sha256:" + Key((byte)(seed + 1), 32)],
            "ah-sha256" => ["--proto", "ah", "--auth", "sha256:" + Key((byte)(seed + 1), 32)],
            _ => throw new ArgumentException("unknown test algorithm " + Algorithm),
        });
        return [.. arguments];
    }

    private string UatRecord(uint spi, string source, string destination, byte seed)
    {
        string protection = Algorithm == "aes-gcm-128"
            ? $"\"AES-GCM with 16 octet ICV [RFC4106]\",\"0x{Key(seed, 20)}\",\"NULL\",\"\""
            : $"\"AES-CBC [RFC3602]\",\"0x{Key(seed, 16)}\",\"HMAC-SHA-256-128 [RFC4868]\",\"0x{Key((byte)(seed + 1), 32)}\"";
        return string.Create(CultureInfo.InvariantCulture, $"uat:esp_sa:\"{(Ipv6 ? "IPv6" : "IPv4")}\",\"{source}\",\"{destination}\",\"0x{spi:x8}\",{protection}");
    }

    /// <summary>A recognisable test key: seed, seed+1, ... (never a real secret).</summary>
    private static string Key(byte seed, int length) =>
        Convert.ToHexStringLower([.. Enumerable.Range(0, length).Select(i => (byte)(seed + i))]);

    private static string Text(uint value) => value.ToString(CultureInfo.InvariantCulture);
}
