using System.Globalization;
using Rampart.Lab;

namespace Rampart.Integration.Tests.Agent;

/// <summary>
/// Two manually keyed SAs between hosts A and B (A to B, B to A) with fixed test keys, added with the same
/// <c>rampart sa add</c> commands on both hosts, and the tshark options that decrypt them.
/// </summary>
public sealed record ManualSaPair(string Algorithm, string Mode, bool UdpEncapsulated)
{
    public const uint SpiAToB = 0x1001;
    public const uint SpiBToA = 0x2002;

    public bool IsAh => Algorithm == "ah-sha256";

    /// <summary>
    /// tshark display filter for what the link must not carry. By IP protocol, because full-size packets leave as
    /// fragments (DF cleared on the outer header) that tshark does not dissect as ESP or AH.
    /// </summary>
    public string ForbiddenOnWire => IsAh ? "not ip.proto == 51" : UdpEncapsulated
        ? "not ip.proto == 17 or (udp and not udp.port == 4500) or (udp and not esp)"
        : "not ip.proto == 50";

    public void AddTo(AgentHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        host.Cli(AddArguments(SpiAToB, NetworkNamespacePair.AddressA, NetworkNamespacePair.AddressB, 0xa1));
        host.Cli(AddArguments(SpiBToA, NetworkNamespacePair.AddressB, NetworkNamespacePair.AddressA, 0xb2));
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
            "-o", UatRecord(SpiAToB, NetworkNamespacePair.AddressA, NetworkNamespacePair.AddressB, 0xa1),
            "-o", UatRecord(SpiBToA, NetworkNamespacePair.AddressB, NetworkNamespacePair.AddressA, 0xb2),
        ];
    }

    public override string ToString() => $"{Algorithm} {Mode}{(UdpEncapsulated ? " udp" : string.Empty)}";

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
        return string.Create(CultureInfo.InvariantCulture, $"uat:esp_sa:\"IPv4\",\"{source}\",\"{destination}\",\"0x{spi:x8}\",{protection}");
    }

    /// <summary>A recognisable test key: seed, seed+1, ... (never a real secret).</summary>
    private static string Key(byte seed, int length) =>
        Convert.ToHexStringLower([.. Enumerable.Range(0, length).Select(i => (byte)(seed + i))]);

    private static string Text(uint value) => value.ToString(CultureInfo.InvariantCulture);
}
