using Rampart.Core.Filtering;
using Rampart.Core.SecurityAssociations;
using Rampart.DataPath.Database;

namespace Rampart.DataPath.PolicyEngine;

/// <summary>
/// Everything the packet path reads, replaced as a whole (copy-on-write) by the binding manager's calls: the policy,
/// the selectors, the owners of inbound SAs and the per-binding decisions (soft, blocked) for bindings without an SA.
/// </summary>
internal sealed record EngineState(
    CompiledPolicy Policy,
    RuleInfo?[] Rules,
    SelectorEntry[] Selectors,
    Dictionary<uint, InboundOwner> InboundOwners,
    Dictionary<Binding, BindingDecision> Decisions)
{
    public static EngineState Empty { get; } = new(CompiledPolicy.None, [], [], [], []) { FailClosed = true };

    /// <summary>Junk is dropped once anything is secured, and before any policy is in force; set on publishing.</summary>
    public bool FailClosed { get; init; }

    /// <summary>A policy decision (possibly "none assigned") has been applied; until then non-exempt traffic is dropped.</summary>
    public bool InForce { get; init; }

    public bool TryGetRule(int ruleIndex, out RuleInfo rule)
    {
        var rules = Rules;
        if ((uint)ruleIndex < (uint)rules.Length && rules[ruleIndex] is { } found)
        {
            rule = found;
            return true;
        }

        rule = default;
        return false;
    }
}

internal sealed record SelectorEntry(int Id, TrafficSelector Selector);

/// <summary>What an inbound SA serves: a policy binding, or (when <see cref="Selector"/> is set) a selector.</summary>
internal readonly record struct InboundOwner(Binding Binding, TrafficSelector? Selector);

/// <summary>A rule with its tunnel endpoint as a number, ready for building binding keys.</summary>
internal readonly record struct RuleInfo(CompiledRule Rule, UInt128 TunnelEndpoint, bool TunnelIsIPv6)
{
    public static RuleInfo?[] Index(CompiledPolicy policy)
    {
        var rules = new RuleInfo?[policy.Rules.Count == 0 ? 0 : policy.Rules.Max(r => r.RuleIndex) + 1];
        foreach (var rule in policy.Rules)
        {
            var (endpoint, isIPv6) = rule.TunnelEndpoint is null ? (UInt128.Zero, false) : AddressPrefix.ToNumber(rule.TunnelEndpoint);
            rules[rule.RuleIndex] = new RuleInfo(rule, endpoint, isIPv6);
        }

        return rules;
    }

    /// <summary>One SA pair per filter and peer: in tunnel mode the peer is the tunnel endpoint and the local address is left out.</summary>
    public Binding BindingKey(PacketFilter filter, UInt128 local, UInt128 remote, bool isIPv6) => Rule.TunnelEndpoint is null
        ? new Binding(filter.RuleIndex, filter.FilterIndex, local, remote, isIPv6)
        : new Binding(filter.RuleIndex, filter.FilterIndex, UInt128.Zero, TunnelEndpoint, TunnelIsIPv6);
}
