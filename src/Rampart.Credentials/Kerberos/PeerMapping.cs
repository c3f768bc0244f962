using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace Rampart.Credentials.Kerberos;

/// <summary>An explicit peer name, <c>--peer ADDR=NAME</c>: the peer at ADDR is <c>host/NAME@REALM</c>.</summary>
public static class PeerMapping
{
    public static bool TryParse(string? text, [NotNullWhen(true)] out IPAddress? address, [NotNullWhen(true)] out string? host, [NotNullWhen(false)] out string? error)
    {
        address = null;
        host = null;
        var equals = text?.IndexOf('=', StringComparison.Ordinal) ?? -1;
        if (text is null || equals <= 0)
        {
            error = $"invalid peer '{KerberosNames.Printable(text ?? "")}': expected ADDR=NAME (e.g. 192.0.2.2=b.rampart.test)";
            return false;
        }

        if (!TryParseAddress(text[..equals], out address, out error))
        {
            return false;
        }

        return KerberosNames.TryParseHost(text[(equals + 1)..], out host, out error);
    }

    /// <summary>A peer's IP address, without a scope or port.</summary>
    public static bool TryParseAddress(string? text, [NotNullWhen(true)] out IPAddress? address, [NotNullWhen(false)] out string? error)
    {
        if (text is not null && !text.Contains('%', StringComparison.Ordinal) && IPAddress.TryParse(text, out var parsed)
            && (text.Contains(':', StringComparison.Ordinal) || text.Count(c => c == '.') == 3))
        {
            address = RealmMembership.Normalize(parsed);
            error = null;
            return true;
        }

        address = null;
        error = $"invalid peer address '{KerberosNames.Printable(text ?? "")}': expected an IPv4 or IPv6 address";
        return false;
    }
}
