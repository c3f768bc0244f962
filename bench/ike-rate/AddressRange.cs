using System.Globalization;
using System.Net;

namespace Rampart.IkeRate;

/// <summary>IPv4 address lists on the command line: <c>198.51.100.1-254</c> (a range of the last byte) or one address.</summary>
internal static class AddressRange
{
    public static bool TryParse(string text, out List<IPAddress> addresses)
    {
        addresses = [];
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            if (!IPAddress.TryParse(text, out var single))
            {
                return false;
            }

            addresses.Add(single);
            return true;
        }

        if (!IPAddress.TryParse(text.AsSpan(0, dash), out var first) || first.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
            || !byte.TryParse(text.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var last))
        {
            return false;
        }

        var bytes = first.GetAddressBytes();
        for (int host = bytes[3]; host <= last; host++)
        {
            bytes[3] = (byte)host;
            addresses.Add(new IPAddress(bytes));
        }

        return addresses.Count > 0;
    }

    /// <summary>All addresses of <paramref name="texts"/>, in order; false (with the bad text) when one does not parse.</summary>
    public static bool TryParseAll(IEnumerable<string> texts, out List<IPAddress> addresses, out string? bad)
    {
        addresses = [];
        bad = null;
        foreach (var text in texts)
        {
            if (!TryParse(text, out var some))
            {
                bad = text;
                return false;
            }

            addresses.AddRange(some);
        }

        return true;
    }
}
