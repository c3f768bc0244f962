using System.Diagnostics.CodeAnalysis;
using System.Net;
using Rampart.Core.Algorithms;
using Rampart.Core.Control;

namespace Rampart.Core.SecurityAssociations;

/// <summary>
/// Reads <c>rampart sa add</c>'s arguments into an SA specification: addresses, mode, protocol, algorithms and their
/// hexadecimal keys. An SA from SRC to DST is outbound on the host that owns SRC (the tunnel source in tunnel mode)
/// and inbound on the host that owns DST, so the same command on both hosts builds a working pair. Hostile or
/// mistaken input gives a message for the user, never an exception.
/// </summary>
public static class ManualSaParser
{
    public static bool TryParse(
        SaAddArguments arguments,
        IReadOnlyCollection<IPAddress> myAddresses,
        [NotNullWhen(true)] out SecurityAssociationSpec? spec,
        [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(myAddresses);
        try
        {
            spec = Parse(arguments, myAddresses);
        }
        catch (ManualSaFormatException e)
        {
            (spec, error) = (null, e.Message);
            return false;
        }

        if (!spec.IsValid(out error))
        {
            spec.ZeroKeys();
            spec = null;
            error ??= "invalid SA";
            return false;
        }

        return true;
    }

    private static SecurityAssociationSpec Parse(SaAddArguments a, IReadOnlyCollection<IPAddress> mine)
    {
        var source = ParseAddress(a.Src, "--src");
        var destination = ParseAddress(a.Dst, "--dst");
        var tunnel = a.Mode.Equals("tunnel", StringComparison.OrdinalIgnoreCase);
        if (!tunnel && !a.Mode.Equals("transport", StringComparison.OrdinalIgnoreCase))
        {
            throw new ManualSaFormatException($"invalid mode '{a.Mode}': expected transport or tunnel");
        }

        var tunnelSource = a.TunnelSrc is null ? null : ParseAddress(a.TunnelSrc, "--tunnel-src");
        var tunnelDestination = a.TunnelDst is null ? null : ParseAddress(a.TunnelDst, "--tunnel-dst");
        if (tunnel && (tunnelSource is null || tunnelDestination is null))
        {
            throw new ManualSaFormatException("tunnel mode needs --tunnel-src and --tunnel-dst");
        }

        var wireSource = tunnel ? tunnelSource! : source;
        var wireDestination = tunnel ? tunnelDestination! : destination;
        var outbound = mine.Contains(wireSource);
        if (!outbound && !mine.Contains(wireDestination))
        {
            throw new ManualSaFormatException($"neither {wireSource} nor {wireDestination} is an address of this host");
        }

        var protocol = a.Proto.ToLowerInvariant() switch
        {
            "esp" => SaProtocol.Esp,
            "ah" => SaProtocol.Ah,
            _ => throw new ManualSaFormatException($"invalid protocol '{a.Proto}': expected esp or ah"),
        };
        var encapsulation = a.Encap is null ? null : a.Encap.Equals("udp", StringComparison.OrdinalIgnoreCase)
            ? new UdpEncapsulation()
            : throw new ManualSaFormatException($"invalid encapsulation '{a.Encap}': expected udp");
        var cipher = CipherAlgorithm.Null;
        var cipherKey = KeyMaterial.Empty;
        var integrity = IntegrityAlgorithm.None;
        var integrityKey = KeyMaterial.Empty;
        if (a.Aead is not null)
        {
            (cipher, cipherKey) = ParseKeyed<CipherAlgorithm>(a.Aead, "--aead", AlgorithmCatalog.TryParseCipher, AlgorithmCatalog.CipherSpellings.Where(n => AlgorithmCatalog.TryParseCipher(n, out var c) && AlgorithmCatalog.IsAead(c)));
            if (!AlgorithmCatalog.IsAead(cipher))
            {
                throw new ManualSaFormatException($"--aead takes an AEAD cipher (aes-gcm-128, aes-gcm-256, chacha20-poly1305), not '{AlgorithmCatalog.Name(cipher)}'");
            }
        }

        if (a.Enc is not null)
        {
            (cipher, cipherKey) = ParseKeyed<CipherAlgorithm>(a.Enc, "--enc", AlgorithmCatalog.TryParseCipher, AlgorithmCatalog.CipherSpellings);
        }

        if (a.Auth is not null)
        {
            (integrity, integrityKey) = ParseKeyed<IntegrityAlgorithm>(a.Auth, "--auth", AlgorithmCatalog.TryParseIntegrity, AlgorithmCatalog.IntegritySpellings);
        }

        return new SecurityAssociationSpec
        {
            Spi = a.Spi,
            Protocol = protocol,
            Mode = tunnel ? SaMode.Tunnel : SaMode.Transport,
            Direction = outbound ? SaDirection.Outbound : SaDirection.Inbound,
            LocalAddress = outbound ? source : destination,
            RemoteAddress = outbound ? destination : source,
            TunnelLocal = tunnel ? (outbound ? tunnelSource : tunnelDestination) : null,
            TunnelRemote = tunnel ? (outbound ? tunnelDestination : tunnelSource) : null,
            Encapsulation = encapsulation,
            Cipher = cipher,
            CipherKey = cipherKey,
            Integrity = integrity,
            IntegrityKey = integrityKey,
            Lifetime = SaLifetime.Unlimited,
            ReplayWindow = a.ReplayWindow ?? SecurityAssociationSpec.DefaultReplayWindow,
        };
    }

    private delegate bool TryParseName<T>(string text, out T value);

    private static (T Algorithm, KeyMaterial Key) ParseKeyed<T>(string text, string option, TryParseName<T> parse, IEnumerable<string> accepted)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            throw new ManualSaFormatException($"{option} takes ALGORITHM:HEXKEY, e.g. aes-gcm-128:<40 hex digits>");
        }

        var name = text[..colon];
        if (!parse(name, out var algorithm))
        {
            throw new ManualSaFormatException(AlgorithmCatalog.UnknownNameMessage("algorithm for " + option, name, accepted));
        }

        var hex = text[(colon + 1)..];
        if (hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            hex = hex[2..];
        }

        try
        {
            return (algorithm, KeyMaterial.FromHex(hex));
        }
        catch (FormatException)
        {
            throw new ManualSaFormatException($"{option}: the key is not hexadecimal");
        }
    }

    private static IPAddress ParseAddress(string? text, string option) =>
        IPAddress.TryParse(text, out var address) ? address : throw new ManualSaFormatException($"{option} needs an IP address, not '{text}'");

    /// <summary>A user mistake in the arguments; becomes the parser's error message.</summary>
    private sealed class ManualSaFormatException(string message) : Exception(message);
}
