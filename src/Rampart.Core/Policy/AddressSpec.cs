using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Rampart.Core.Policy;

/// <summary>One end of a filter: My IP Address, Any, one address, a subnet or a DNS name resolved at assignment.</summary>
public abstract record AddressSpec
{
    public static readonly AddressSpec Me = new MyAddress();

    public static readonly AddressSpec Any = new AnyAddress();

    /// <summary>The command-line spelling (<c>me</c>, <c>any</c>, <c>192.0.2.2</c>, <c>192.0.2.0/24</c>, <c>host.example</c>).</summary>
    public abstract override string ToString();

    /// <summary>Parses the command-line spelling; error says what is accepted.</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out AddressSpec? spec, [NotNullWhen(false)] out string? error)
    {
        text = text.Trim();
        error = null;
        spec = null;
        if (text.Equals("me", StringComparison.OrdinalIgnoreCase))
        {
            spec = Me;
        }
        else if (text.Equals("any", StringComparison.OrdinalIgnoreCase))
        {
            spec = Any;
        }
        else if (text.Contains('/', StringComparison.Ordinal))
        {
            // IPNetwork accepts host bits and drops them; a typo like 192.0.2.1/24 should be reported instead.
            if (IPNetwork.TryParse(text, out var network) && IPAddress.TryParse(text[..text.IndexOf('/', StringComparison.Ordinal)], out var given)
                && given.Equals(network.BaseAddress))
            {
                spec = new Subnet(network);
            }
            else
            {
                error = $"invalid subnet '{text}': expected ADDRESS/PREFIX with no host bits set, e.g. 192.0.2.0/24 or 2001:db8::/32";
            }
        }
        else if (IPAddress.TryParse(text, out var address) && (address.AddressFamily == AddressFamily.InterNetworkV6 || text.Count(c => c == '.') == 3))
        {
            spec = new Host(address);
        }
        else if (IsDnsName(text))
        {
            spec = new DnsName(text.ToLowerInvariant());
        }
        else
        {
            error = $"invalid address '{text}': expected me, any, an IPv4/IPv6 address, a subnet (CIDR) or a DNS name";
        }

        return spec is not null;
    }

    /// <summary>
    /// Whether some packet address can fall in both specs. "Me" is only known at run time, so it overlaps Me and Any;
    /// a DNS name is only resolved at assignment, so it overlaps Any and the same name.
    /// </summary>
    public bool Overlaps(AddressSpec other) => (this, other) switch
    {
        (AnyAddress, _) or (_, AnyAddress) => true,
        (MyAddress, MyAddress) => true,
        (Host a, Host b) => a.Address.Equals(b.Address),
        (Host a, Subnet b) => b.Network.Contains(a.Address),
        (Subnet a, Host b) => a.Network.Contains(b.Address),
        (Subnet a, Subnet b) => a.Network.Contains(b.Network.BaseAddress) || b.Network.Contains(a.Network.BaseAddress),
        (DnsName a, DnsName b) => a.Name == b.Name,
        _ => false,
    };

    private static bool IsDnsName(string text)
    {
        if (text.Length is 0 or > 253 || text.All(c => char.IsAsciiDigit(c) || c == '.'))
        {
            return false;
        }

        foreach (var label in text.TrimEnd('.').Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-'
                || !label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>My IP Address: whichever address the host has.</summary>
    public sealed record MyAddress : AddressSpec
    {
        public override string ToString() => "me";
    }

    public sealed record AnyAddress : AddressSpec
    {
        public override string ToString() => "any";
    }

    public sealed record Host(IPAddress Address) : AddressSpec
    {
        public override string ToString() => Address.ToString();
    }

    public sealed record Subnet(IPNetwork Network) : AddressSpec
    {
        public override string ToString() => Network.ToString();
    }

    /// <summary>Resolved when the policy is assigned, as Windows 2000 did.</summary>
    public sealed record DnsName(string Name) : AddressSpec
    {
        public override string ToString() => Name.ToString(CultureInfo.InvariantCulture);
    }
}
