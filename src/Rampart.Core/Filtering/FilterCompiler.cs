using System.Net;
using System.Net.Sockets;
using Rampart.Core.Policy;

namespace Rampart.Core.Filtering;

/// <summary>
/// Turns the assigned policy into what the data path runs: every filter of every rule becomes one-way
/// <see cref="PacketFilter"/>s (two when mirrored), with "My IP Address" expanded to each local address, "Any"
/// to each address family, and DNS names to the addresses they resolve to now (at assignment, as Windows 2000 did).
/// </summary>
/// <remarks>
/// A DNS name that does not resolve must never let traffic meant for it pass in clear. Since its address is unknown,
/// any packet the filter's other fields match may be meant for it: a Block or Negotiate filter with an unresolved name
/// is compiled as a Block filter with <c>any</c> in place of the name, weighing what it would weigh with the name
/// resolved to one host address. So a broader filter (a Permit of All IP Traffic, or no filter at all) no longer wins
/// for that traffic, while equally or more specific filters keep working. DNS itself (UDP and TCP to port 53) is left
/// out, so the name can resolve; the agent retries unresolved names and recompiles. A Permit filter with an unresolved
/// name matches nothing (its traffic falls to the other filters, which is no less safe).
/// </remarks>
public static class FilterCompiler
{
    private const ushort DnsPort = 53;

    /// <param name="snapshot">The host's configuration; its assigned policy is compiled (none: <see cref="CompiledPolicy.None"/>).</param>
    /// <param name="localAddresses">What "me" means on this host.</param>
    /// <param name="exemptions">What this host never secures (its subnets' broadcasts, its KDC and directory, ...).</param>
    /// <param name="resolve">Resolves a DNS name; an empty result is reported in <see cref="CompiledPolicy.UnresolvedNames"/>.</param>
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
        var unresolved = new List<UnresolvedName>();
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
                var sources = Expand(filter.Source, localAddresses, resolve);
                var destinations = Expand(filter.Destination, localAddresses, resolve);
                var failsClosed = verdict != FilterVerdict.Permit;
                foreach (var name in new[] { filter.Source, filter.Destination }.OfType<AddressSpec.DnsName>().Where(n => (n == filter.Source ? sources : destinations).Count == 0))
                {
                    var report = new UnresolvedName(name.Name, list.Name, filterIndex + 1, failsClosed);
                    unresolved.Add(report);
                    problems.Add(report.ToString());
                }

                if (failsClosed && (IsUnresolvedName(filter.Source, sources) || IsUnresolvedName(filter.Destination, destinations)))
                {
                    AddStandIns(filters, filter, ruleIndex, filterIndex, IsUnresolvedName(filter.Source, sources) ? null : sources, IsUnresolvedName(filter.Destination, destinations) ? null : destinations);
                    continue;
                }

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

        return new CompiledPolicy(policy.Name, new FilterTable(filters, exemptions), rules, policy.DefaultResponseRule) { UnresolvedNames = unresolved };
    }

    private static bool IsUnresolvedName(AddressSpec spec, List<AddressPrefix> expanded) => spec is AddressSpec.DnsName && expanded.Count == 0;

    /// <summary>
    /// The fail-closed stand-in for a Block or Negotiate filter whose DNS name (or names: a null side) did not resolve:
    /// Block with <c>any</c> for the name, at the weight of the name resolved to a host, plus Permit filters for DNS.
    /// </summary>
    private static void AddStandIns(List<PacketFilter> filters, Filter filter, int ruleIndex, int filterIndex, List<AddressPrefix>? sources, List<AddressPrefix>? destinations)
    {
        foreach (var isIPv6 in new[] { false, true })
        {
            var hostLength = isIPv6 ? 128 : 32;
            foreach (var source in sources?.Where(s => s.IsIPv6 == isIPv6) ?? [AddressPrefix.Any(isIPv6)])
            {
                foreach (var destination in destinations?.Where(d => d.IsIPv6 == isIPv6) ?? [AddressPrefix.Any(isIPv6)])
                {
                    var resolvedBits = (sources is null ? hostLength : source.Length) + (destinations is null ? hostLength : destination.Length);
                    var weight = (resolvedBits << 3) | (filter.Protocol.HasValue ? 4 : 0) | (filter.SourcePort.HasValue ? 2 : 0) | (filter.DestinationPort.HasValue ? 1 : 0);
                    var block = new PacketFilter(source, destination, filter.Protocol, filter.SourcePort, filter.DestinationPort, FilterVerdict.Block, ruleIndex, filterIndex, StandInWeight: weight);
                    Add(filters, block, filter.Mirrored);
                    if (filter.SourcePort is not null || filter.DestinationPort is not null)
                    {
                        continue;
                    }

                    foreach (var protocol in new byte[] { FlowKey.Udp, FlowKey.Tcp }.Where(p => filter.Protocol is null || filter.Protocol == p))
                    {
                        // Weighs one more than the block (a named port), so lookups of the name can go out and it can resolve.
                        var dns = new PacketFilter(source, destination, protocol, null, DnsPort, FilterVerdict.Permit, ruleIndex, filterIndex, StandInWeight: (weight | 4) + 1);
                        Add(filters, dns, filter.Mirrored);
                    }
                }
            }
        }
    }

    private static void Add(List<PacketFilter> filters, PacketFilter filter, bool mirrored)
    {
        filters.Add(filter);
        if (mirrored)
        {
            filters.Add(filter.Mirror());
        }
    }

    private static List<AddressPrefix> Expand(AddressSpec spec, IReadOnlyList<IPAddress> localAddresses, Func<string, IReadOnlyList<IPAddress>> resolve)
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
                return [.. resolve(name.Name).Where(a => a.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6).Select(AddressPrefix.Host)];
            default:
                throw new ArgumentOutOfRangeException(nameof(spec), spec, "unknown address kind");
        }
    }
}
