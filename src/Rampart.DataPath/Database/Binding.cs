using Rampart.Core.Filtering;

namespace Rampart.DataPath.Database;

/// <summary>
/// Which outbound SA a packet uses, as a value that costs nothing to build per packet. Windows 2000 negotiates one
/// quick-mode SA pair per filter and peer host, so a policy binding is (rule index, filter index of the non-mirror
/// filter, local address, remote address or the rule's tunnel endpoint). SAs not tied to a policy filter (manual
/// SAs, a responder's SAs for a peer's proposal) use <see cref="ForSelector"/>.
/// </summary>
/// <param name="RuleIndex">The policy rule; -1 for a selector SA.</param>
/// <param name="FilterIndex">The filter within the rule's filter list; the selector's number for a selector SA.</param>
/// <param name="Local">Local address (low 32 bits for IPv4); zero in tunnel mode, where the tunnel endpoint identifies the SA.</param>
/// <param name="Remote">Remote host address, or the rule's tunnel endpoint in tunnel mode.</param>
/// <param name="IsIPv6">Address family of <paramref name="Local"/> and <paramref name="Remote"/>.</param>
public readonly record struct Binding(int RuleIndex, int FilterIndex, UInt128 Local, UInt128 Remote, bool IsIPv6)
{
    public bool IsSelector => RuleIndex < 0;

    /// <summary>The key of a selector SA; <paramref name="selectorId"/> is unique per installed selector.</summary>
    public static Binding ForSelector(int selectorId) => new(-1, selectorId, UInt128.Zero, UInt128.Zero, false);

    public override string ToString() => IsSelector
        ? $"selector {FilterIndex}"
        : $"rule {RuleIndex} filter {FilterIndex} {AddressPrefix.ToAddress(Local, IsIPv6)} -> {AddressPrefix.ToAddress(Remote, IsIPv6)}";
}
