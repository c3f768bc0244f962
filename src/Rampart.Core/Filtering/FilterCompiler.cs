using System.Net;
using System.Net.Sockets;
using Rampart.Core.Policy;

namespace Rampart.Core.Filtering;

/// <summary>
/// Turns the assigned policy into what the data path runs: every filter of every rule becomes one-way
/// <see cref="PacketFilter"/>s (two when mirrored), with "My IP Address" expanded to each local address, "Any"
/// to each address family, and DNS names to the addresses they resolve to now (at assignment, as Windows 2000 did).
/// </summary>
public static class FilterCompiler
{
    /// <param name="snapshot">The host's configuration; its assigned policy is compiled (none: <see cref="CompiledPolicy.None"/>).</param>
    /// <param name="localAddresses">What "me" means on this host.</param>
    /// <param name="exemptions">What this host never secures (its subnets' broadcasts, its KDC and directory, ...).</param>
    /// <param name="resolve">Resolves a DNS name; an empty result makes the filter match nothing and is reported.</param>
    /// <param name="warnings">What could not be resolved, for the agent trace.</param>
    public static CompiledPolicy Compile(
        PolicySnapshot snapshot,
        IReadOnlyList<IPAddress> localAddresses,
        ExemptTraffic? exemptions,
        Func<string, IReadOnlyList<IPAddress>> resolve,
        out IReadOnlyList<string> warnings)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(localAddresses);
        ArgumentNullException.ThrowIfNull(resolve);
        var problems = new List<string>();
        warnings = problems;
        if (snapshot.AssignedPolicy is not { } policy)
        {
            return CompiledPolicy.None;
        }

        var filters = new List<PacketFilter>();
        var rules = new List<CompiledRule>();
        for (var ruleIndex = 0; ruleIndex < policy.Rules.Count; ruleIndex++)
        {
            var rule = policy.Rules[ruleIndex];
            var action = snapshot.FindFilterAction(rule.FilterActionName);
            var list = snapshot.FindFilterList(rule.FilterListName);
            if (action is null || list is null)
            {
                // The store validates references; a dangling one here means a bug, so secure nothing by guesswork.
                problems.Add($"rule {ruleIndex + 1} of '{policy.Name}' refers to a missing filter list or action; skipped");
                rules.Add(new CompiledRule(ruleIndex, FilterVerdict.Block, false, false, null, rule.FilterListName, rule.FilterActionName));
                continue;
            }

            var verdict = action.Kind switch
            {
                FilterActionKind.Permit => FilterVerdict.Permit,
                FilterActionKind.Block => FilterVerdict.Block,
                _ => FilterVerdict.Negotiate,
            };
            rules.Add(new CompiledRule(ruleIndex, verdict, action.AcceptUnsecured, action.AllowFallbackToClear, rule.TunnelEndpoint, list.Name, action.Name));
            for (var filterIndex = 0; filterIndex < list.Filters.Count; filterIndex++)
            {
                var filter = list.Filters[filterIndex];
                var sources = Expand(filter.Source, localAddresses, resolve, problems);
                var destinations = Expand(filter.Destination, localAddresses, resolve, problems);
                foreach (var source in sources)
                {
                    foreach (var destination in destinations.Where(d => d.IsIPv6 == source.IsIPv6))
                    {
                        var compiled = new PacketFilter(source, destination, filter.Protocol, filter.SourcePort, filter.DestinationPort, verdict, ruleIndex, filterIndex);
                        filters.Add(compiled);
                        if (filter.Mirrored)
                        {
                            filters.Add(compiled.Mirror());
                        }
                    }
                }
            }
        }

        return new CompiledPolicy(policy.Name, new FilterTable(filters, exemptions), rules, policy.DefaultResponseRule);
    }

    private static List<AddressPrefix> Expand(AddressSpec spec, IReadOnlyList<IPAddress> localAddresses, Func<string, IReadOnlyList<IPAddress>> resolve, List<string> problems)
    {
        switch (spec)
        {
            case AddressSpec.MyAddress:
                return [.. localAddresses.Select(AddressPrefix.Host)];
            case AddressSpec.AnyAddress:
                return [AddressPrefix.Any(isIPv6: false), AddressPrefix.Any(isIPv6: true)];
            case AddressSpec.Host host:
                return [AddressPrefix.Host(host.Address)];
            case AddressSpec.Subnet subnet:
                return [AddressPrefix.Network(subnet.Network)];
            case AddressSpec.DnsName name:
                var addresses = resolve(name.Name).Where(a => a.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6).ToList();
                if (addresses.Count == 0)
                {
                    problems.Add($"DNS name '{name.Name}' did not resolve; its filters match nothing until the policy is applied again");
                }

                return [.. addresses.Select(AddressPrefix.Host)];
            default:
                throw new ArgumentOutOfRangeException(nameof(spec), spec, "unknown address kind");
        }
    }
}
