using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Rampart.Core.Policy;

/// <summary>
/// One filter specification. Mirrored (the default) also matches the reverse direction, as securing traffic needs.
/// Protocol null means any; ports null mean any and only make sense for TCP and UDP.
/// </summary>
public sealed record Filter(
    AddressSpec Source,
    AddressSpec Destination,
    byte? Protocol = null,
    ushort? SourcePort = null,
    ushort? DestinationPort = null,
    bool Mirrored = true,
    string Description = "")
{
    public const byte Icmp = 1;
    public const byte Tcp = 6;
    public const byte Udp = 17;

    /// <summary>Whether some host pair can match both filters, in either direction a mirrored filter covers.</summary>
    public bool OverlapsHostPairs(Filter other)
    {
        if (Source.Overlaps(other.Source) && Destination.Overlaps(other.Destination))
        {
            return true;
        }

        return (Mirrored || other.Mirrored) && Source.Overlaps(other.Destination) && Destination.Overlaps(other.Source);
    }

    /// <summary>Parses <c>any</c>, <c>icmp</c>, <c>tcp</c>, <c>udp</c> or an IP protocol number 0-255.</summary>
    public static bool TryParseProtocol(string text, out byte? protocol, [NotNullWhen(false)] out string? error)
    {
        error = null;
        protocol = null;
        switch (text.Trim().ToLowerInvariant())
        {
            case "any":
                return true;
            case "icmp":
                protocol = Icmp;
                return true;
            case "tcp":
                protocol = Tcp;
                return true;
            case "udp":
                protocol = Udp;
                return true;
            case var other when byte.TryParse(other, NumberStyles.None, CultureInfo.InvariantCulture, out var number):
                protocol = number;
                return true;
            default:
                error = $"invalid protocol '{text}': expected any, icmp, tcp, udp or a number 0-255";
                return false;
        }
    }

    public static string ProtocolName(byte? protocol) => protocol switch
    {
        null => "any",
        Icmp => "icmp",
        Tcp => "tcp",
        Udp => "udp",
        var number => number.Value.ToString(CultureInfo.InvariantCulture),
    };

    public override string ToString()
    {
        var text = $"{Source} -> {Destination} protocol {ProtocolName(Protocol)}";
        if (SourcePort is { } sourcePort)
        {
            text += string.Create(CultureInfo.InvariantCulture, $" src-port {sourcePort}");
        }

        if (DestinationPort is { } destinationPort)
        {
            text += string.Create(CultureInfo.InvariantCulture, $" dst-port {destinationPort}");
        }

        return text + (Mirrored ? " mirrored" : " one-way");
    }
}
