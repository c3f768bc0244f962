using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.Json;

namespace Rampart.Cli.Commands;

/// <summary><c>rampart sa ...</c>: manual keying (add, delete) and the list of SAs the agent runs.</summary>
internal static class SaCommands
{
    public static Command Create() => new("sa", "Security associations: manual keying and the SA list")
    {
        Add(), List(), Delete(),
    };

    private static Command Add()
    {
        var src = new Option<string>("--src") { Description = "Source address of the protected traffic", Required = true };
        var dst = new Option<string>("--dst") { Description = "Destination address of the protected traffic", Required = true };
        var proto = new Option<string>("--proto") { Description = "esp or ah", DefaultValueFactory = _ => "esp" };
        proto.AcceptOnlyFromAmong("esp", "ah");
        var spi = SpiOption("Security parameter index, decimal or hexadecimal (0x1001); 256 or more");
        var mode = new Option<string>("--mode") { Description = "transport or tunnel", DefaultValueFactory = _ => "transport" };
        mode.AcceptOnlyFromAmong("transport", "tunnel");
        var tunnelSrc = new Option<string?>("--tunnel-src") { Description = "Outer source address (tunnel mode)" };
        var tunnelDst = new Option<string?>("--tunnel-dst") { Description = "Outer destination address (tunnel mode)" };
        var encap = new Option<string?>("--encap") { Description = "udp: ESP in UDP port 4500 (RFC 3948)" };
        var enc = new Option<string?>("--enc") { Description = "Cipher and key, e.g. aes-cbc-128:00112233445566778899aabbccddeeff; ALG:@FILE or ALG:- reads the hex key from a file or stdin", HelpName = "ALG:HEXKEY|ALG:@FILE|ALG:-" };
        var auth = new Option<string?>("--auth") { Description = "Integrity and key, e.g. sha256:<64 hex digits>; ALG:@FILE or ALG:- reads the hex key from a file or stdin", HelpName = "ALG:HEXKEY|ALG:@FILE|ALG:-" };
        var aead = new Option<string?>("--aead") { Description = "AEAD cipher and key with its 4-byte salt, e.g. aes-gcm-128:<40 hex digits>; ALG:@FILE or ALG:- reads the hex key from a file or stdin", HelpName = "ALG:HEXKEY|ALG:@FILE|ALG:-" };
        var replay = new Option<int?>("--replay-window") { Description = "Anti-replay window in packets (default 64, 0 = off)" };
        var command = new Command("add", "Add a manually keyed SA (outbound on the host owning --src, inbound on the host owning --dst)")
        {
            src, dst, proto, spi, mode, tunnelSrc, tunnelDst, encap, enc, auth, aead, replay,
        };
        command.SetAction(parse =>
        {
            var secrets = new SecretArguments();
            if (!secrets.TryResolveKeyed("--aead", parse.GetValue(aead), out var aeadKey, out var error)
                || !secrets.TryResolveKeyed("--enc", parse.GetValue(enc), out var encKey, out error)
                || !secrets.TryResolveKeyed("--auth", parse.GetValue(auth), out var authKey, out error))
            {
                return Cli.Fail(error);
            }

            return AgentClient.Run(
                "sa.add",
                new
                {
                    Src = parse.GetValue(src),
                    Dst = parse.GetValue(dst),
                    Proto = parse.GetValue(proto),
                    Spi = parse.GetValue(spi),
                    Mode = parse.GetValue(mode),
                    TunnelSrc = parse.GetValue(tunnelSrc),
                    TunnelDst = parse.GetValue(tunnelDst),
                    Encap = parse.GetValue(encap),
                    Enc = encKey,
                    Auth = authKey,
                    Aead = aeadKey,
                    ReplayWindow = parse.GetValue(replay),
                },
                json: false,
                result => Console.WriteLine($"added {result.GetProperty("direction").GetString()} SA {Spi(result)}: {result.GetProperty("security").GetString()}"));
        });
        return command;
    }

    private static Command List()
    {
        var json = Cli.JsonOption();
        var command = new Command("list", "List the SAs the agent runs (keys are never shown)") { json };
        command.SetAction(parse => AgentClient.Run("sa.list", null, parse.GetValue(json), result =>
            Cli.WriteTable(
                ["SPI", "DIR", "MODE", "LOCAL", "REMOTE", "SECURITY", "KEYING", "PACKETS", "BYTES"],
                result.EnumerateArray().Select(row => new[]
                {
                    Spi(row),
                    row.GetProperty("direction").GetString()!,
                    row.GetProperty("mode").GetString()! + (row.TryGetProperty("encapsulation", out var e) ? "/" + e.GetString() : ""),
                    row.GetProperty("local").GetString()!,
                    row.GetProperty("remote").GetString()!,
                    row.GetProperty("security").GetString()!,
                    row.GetProperty("manual").GetBoolean() ? "manual" : "ike",
                    row.GetProperty("packets").GetInt64().ToString(CultureInfo.InvariantCulture),
                    row.GetProperty("bytes").GetInt64().ToString(CultureInfo.InvariantCulture),
                }))));
        return command;
    }

    private static Command Delete()
    {
        var spi = SpiOption("SPI of the manual SA, decimal or hexadecimal (0x1001)");
        var command = new Command("delete", "Delete a manually keyed SA") { spi };
        command.SetAction(parse => AgentClient.Run("sa.delete", new { Spi = parse.GetValue(spi) }, json: false, result =>
            Console.WriteLine($"deleted SA {Spi(result)}")));
        return command;
    }

    /// <summary>An SPI in decimal or, as ip-xfrm, setkey and Wireshark write them, hexadecimal with 0x.</summary>
    private static Option<uint> SpiOption(string description) => new("--spi")
    {
        Description = description,
        Required = true,
        HelpName = "N|0xHEX",
        CustomParser = ParseSpi,
    };

    private static uint ParseSpi(ArgumentResult result)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value.Trim() : "";
        var hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        var digits = hex ? text[2..] : text;
        if (!uint.TryParse(digits, hex ? NumberStyles.AllowHexSpecifier : NumberStyles.None, CultureInfo.InvariantCulture, out var spi))
        {
            result.AddError($"invalid --spi '{text}': expected a number from 256 to 4294967295, decimal or hexadecimal (0x100 to 0xffffffff)");
            return 0;
        }

        if (spi < 256)
        {
            result.AddError($"invalid --spi {text}: SPI values 0-255 are reserved (RFC 4303 §2.1)");
        }

        return spi;
    }

    private static string Spi(JsonElement row) => row.GetProperty("spi").GetUInt32().ToString(CultureInfo.InvariantCulture);
}
