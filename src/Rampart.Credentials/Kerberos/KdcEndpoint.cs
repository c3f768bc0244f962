using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Rampart.Credentials.Kerberos;

/// <summary>The realm's KDC as <c>rampart realm join --kdc ADDR[:PORT]</c> gives it: an IP address (no DNS lookups), port 88 unless given.</summary>
public sealed record KdcEndpoint(IPAddress Address, ushort Port)
{
    public const ushort DefaultPort = 88;

    /// <summary>Parses <c>192.0.2.88</c>, <c>192.0.2.88:750</c>, <c>2001:db8::88</c> or <c>[2001:db8::88]:750</c>.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out KdcEndpoint? kdc, [NotNullWhen(false)] out string? error)
    {
        kdc = null;
        error = $"invalid KDC '{KerberosNames.Printable(text ?? "")}': expected ADDR or ADDR:PORT with an IP address (e.g. 198.51.100.88:88 or [2001:db8::88]:88)";
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        string addressText = text;
        ushort port = DefaultPort;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return false;
            }

            addressText = text[1..close];
            var rest = text[(close + 1)..];
            if (rest.Length > 0 && (!rest.StartsWith(':') || !TryParsePort(rest[1..], out port)))
            {
                return false;
            }
        }
        else if (text.Count(c => c == ':') == 1)
        {
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            addressText = text[..colon];
            if (!TryParsePort(text[(colon + 1)..], out port))
            {
                return false;
            }
        }

        if (addressText.Contains('%', StringComparison.Ordinal) || !IPAddress.TryParse(addressText, out var address)
            || address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
            || (address.AddressFamily == AddressFamily.InterNetwork && addressText.Count(c => c == '.') != 3))
        {
            return false;
        }

        kdc = new KdcEndpoint(address, port);
        error = null;
        return true;
    }

    /// <summary>As krb5.conf's <c>kdc =</c> wants it: <c>ADDR:PORT</c>, an IPv6 address in brackets.</summary>
    public override string ToString() => Address.AddressFamily == AddressFamily.InterNetworkV6
        ? string.Create(CultureInfo.InvariantCulture, $"[{Address}]:{Port}")
        : string.Create(CultureInfo.InvariantCulture, $"{Address}:{Port}");

    private static bool TryParsePort(string text, out ushort port) =>
        ushort.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port != 0;
}
