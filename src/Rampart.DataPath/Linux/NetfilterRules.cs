using System.Diagnostics;
using System.Globalization;
using System.Text;
using Rampart.Core;
using Rampart.Core.Filtering;

namespace Rampart.DataPath.Linux;

/// <summary>
/// Installs and removes Rampart's own iptables/ip6tables chains atomically with
/// <c>iptables-restore --noflush</c> (one transaction per family; other chains' rules are never touched).
/// Installing again replaces the chains' contents (a declared chain is flushed) and adds the jumps from
/// the built-in chains only when missing, so it is idempotent.
/// </summary>
/// <remarks>
/// Chains: raw PREROUTING -> PREFIX-IN queues inbound ESP/AH/UDP 4500, then every non-exempt inbound packet, clear
/// ones too, so the policy engine decides (accept unsecured communication, soft associations, Permit filters), before
/// conntrack (nf_defrag has reassembled fragments by then); mangle POSTROUTING -> PREFIX-OUT returns exempt traffic,
/// clamps the MSS of SYNs and queues the rest to the peers; mangle INPUT -> PREFIX-MSS clamps SYNs that arrived
/// secured; filter INPUT -> PREFIX-GUARD returns what the inbound handler marked, the exemptions, and only replies
/// from a configured server.
/// </remarks>
public sealed class NetfilterRules : INetfilterChains
{
    private readonly NetfilterRuleSet _rules;
    private readonly string? _networkNamespace;

    /// <param name="rules">The chains to install.</param>
    /// <param name="networkNamespace">Run the tools in this named namespace (<c>ip netns exec</c>); null = current.</param>
    public NetfilterRules(NetfilterRuleSet rules, string? networkNamespace = null)
    {
        ArgumentNullException.ThrowIfNull(rules);
        _rules = rules;
        _networkNamespace = networkNamespace;
    }

    private string InChain => _rules.ChainPrefix + "-IN";
    private string OutChain => _rules.ChainPrefix + "-OUT";
    private string MssChain => _rules.ChainPrefix + "-MSS";
    private string GuardChain => _rules.ChainPrefix + "-GUARD";

    public void Install()
    {
        foreach (bool ipv6 in new[] { false, true })
        {
            string current = Run(ipv6 ? "ip6tables-save" : "iptables-save", null);
            Run(ipv6 ? "ip6tables-restore" : "iptables-restore", BuildInstallScript(ipv6, current), "--noflush");
        }
    }

    public void Remove()
    {
        foreach (bool ipv6 in new[] { false, true })
        {
            string current = Run(ipv6 ? "ip6tables-save" : "iptables-save", null);
            string script = BuildRemoveScript(current);
            if (script.Length > 0)
            {
                Run(ipv6 ? "ip6tables-restore" : "iptables-restore", script, "--noflush");
            }
        }
    }

    /// <summary>The restore script for one family, given the current iptables-save output.</summary>
    public string BuildInstallScript(bool ipv6, string currentRules)
    {
        ArgumentNullException.ThrowIfNull(currentRules);
        var peers = _rules.SecuredPeers.Where(peer => peer.Contains(':', StringComparison.Ordinal) == ipv6).ToList();
        bool securesAll = _rules.SecuredPeers.Count == 0;
        var sourceSelectors = securesAll ? [string.Empty] : peers.Select(peer => "-s " + peer).ToList();
        var destinationSelectors = securesAll ? [string.Empty] : peers.Select(peer => "-d " + peer).ToList();
        string mark = string.Create(CultureInfo.InvariantCulture, $"0x{_rules.DecapsulatedMark:x}/0x{_rules.DecapsulatedMark:x}");
        string mss = _rules.ClampedMss(ipv6).ToString(CultureInfo.InvariantCulture);
        var script = new StringBuilder();

        script.Append("*raw\n").Append(Declare(InChain));
        foreach (string selector in sourceSelectors)
        {
            foreach (byte protocol in NetfilterRuleSet.SecuredProtocols)
            {
                AppendRule(script, InChain, $"{selector} -p {protocol} -j NFQUEUE --queue-num {_rules.InboundQueue}");
            }

            // ESP in UDP (RFC 3948); IKE on port 4500 gets an unmodified accept from the handler.
            AppendRule(script, InChain, $"{selector} -p udp --dport {IkePorts.NatTraversal} -j NFQUEUE --queue-num {_rules.InboundQueue}");
        }

        AppendRule(script, InChain, "-i lo -j RETURN");
        AppendExemptions(script, InChain, ipv6, TrafficDirection.Inbound);
        foreach (string selector in sourceSelectors)
        {
            AppendRule(script, InChain, $"{selector} -j NFQUEUE --queue-num {_rules.InboundQueue}");
        }

        AppendJump(script, currentRules, "raw", "PREROUTING", InChain);
        script.Append("COMMIT\n*mangle\n").Append(Declare(OutChain)).Append(Declare(MssChain));
        AppendRule(script, OutChain, "-o lo -j RETURN");
        AppendExemptions(script, OutChain, ipv6, TrafficDirection.Outbound);
        foreach (string selector in destinationSelectors)
        {
            AppendRule(script, OutChain, $"{selector} -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss {mss}");
            AppendRule(script, OutChain, $"{selector} -j NFQUEUE --queue-num {_rules.OutboundQueue}");
        }

        AppendRule(script, MssChain, $"-m mark --mark {mark} -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss {mss}");
        AppendJump(script, currentRules, "mangle", "POSTROUTING", OutChain);
        AppendJump(script, currentRules, "mangle", "INPUT", MssChain);
        script.Append("COMMIT\n*filter\n").Append(Declare(GuardChain));
        AppendRule(script, GuardChain, "-i lo -j RETURN");
        AppendRule(script, GuardChain, $"-m mark --mark {mark} -j RETURN");
        AppendExemptions(script, GuardChain, ipv6, TrafficDirection.Inbound, afterConntrack: true);

        // A no-op at the chain's end (RETURN = fall through) whose conntrack match makes the kernel
        // register conntrack and its defragmentation hook in this namespace: fragments are then
        // reassembled before raw PREROUTING, so the inbound queue only ever sees whole packets.
        AppendRule(script, GuardChain, "-m conntrack --ctstate INVALID -j RETURN");

        AppendJump(script, currentRules, "filter", "INPUT", GuardChain);
        script.Append("COMMIT\n");
        return script.ToString();
    }

    /// <summary>The restore script that deletes the jumps and chains present in <paramref name="currentRules"/>.</summary>
    public string BuildRemoveScript(string currentRules)
    {
        ArgumentNullException.ThrowIfNull(currentRules);
        var script = new StringBuilder();
        foreach (var (table, builtIn, chain) in new[]
        {
            ("raw", "PREROUTING", InChain), ("mangle", "POSTROUTING", OutChain), ("mangle", "INPUT", MssChain), ("filter", "INPUT", GuardChain),
        })
        {
            string tableRules = TableSection(currentRules, table);
            if (!tableRules.Contains($":{chain} ", StringComparison.Ordinal))
            {
                continue;
            }

            script.Append('*').Append(table).Append('\n');
            if (tableRules.Contains($"-A {builtIn} -j {chain}\n", StringComparison.Ordinal))
            {
                script.Append($"-D {builtIn} -j {chain}\n");
            }

            script.Append($"-F {chain}\n-X {chain}\nCOMMIT\n");
        }

        return script.ToString();
    }

    private static string Declare(string chain) => $":{chain} - [0:0]\n";

    private static void AppendRule(StringBuilder script, string chain, string rule) =>
        script.Append("-A ").Append(chain).Append(' ').Append(rule.TrimStart()).Append('\n');

    private static void AppendJump(StringBuilder script, string currentRules, string table, string builtIn, string chain)
    {
        if (!TableSection(currentRules, table).Contains($"-A {builtIn} -j {chain}\n", StringComparison.Ordinal))
        {
            script.Append($"-I {builtIn} 1 -j {chain}\n");
        }
    }

    /// <summary>
    /// <see cref="ExemptTraffic"/>'s list: never secured, so never queued and never guarded. By endpoint and direction:
    /// IKE only to and from this host's own ports 500 and 4500; a configured server's traffic only to its port and,
    /// after conntrack (<paramref name="afterConntrack"/>), only the replies to what this host sent.
    /// </summary>
    private void AppendExemptions(StringBuilder script, string chain, bool ipv6, TrafficDirection direction, bool afterConntrack = false)
    {
        AppendRule(script, chain, "-m addrtype --dst-type MULTICAST -j RETURN");
        if (ipv6)
        {
            // Neighbour discovery and router messages must work for the link itself.
            foreach (int type in new[] { 133, 134, 135, 136, 137 })
            {
                AppendRule(script, chain, $"-p ipv6-icmp --icmpv6-type {type} -j RETURN");
            }
        }
        else
        {
            AppendRule(script, chain, "-m addrtype --dst-type BROADCAST -j RETURN");
        }

        AppendRule(script, chain, "-p 46 -j RETURN");
        string ikePorts = string.Create(CultureInfo.InvariantCulture, $"{IkePorts.Ike},{IkePorts.NatTraversal}");
        AppendRule(script, chain, direction == TrafficDirection.Outbound
            ? $"-p udp -m multiport --sports {ikePorts} -j RETURN"
            : $"-p udp -m multiport --dports {ikePorts} -j RETURN");
        foreach (var server in _rules.ExemptServers.Where(s => s.IsIPv6 == ipv6))
        {
            foreach (string protocol in new[] { "udp", "tcp" })
            {
                string port = server.Port.ToString(CultureInfo.InvariantCulture);
                if (direction == TrafficDirection.Outbound)
                {
                    AppendRule(script, chain, $"-d {server.AddressText} -p {protocol} --dport {port} -j RETURN");
                }
                else if (afterConntrack)
                {
                    // Raw PREROUTING cannot tell a reply from a forged packet; here conntrack can.
                    string from = $"-s {server.AddressText} -p {protocol} --sport {port}";
                    AppendRule(script, chain, $"{from} -m conntrack --ctstate ESTABLISHED -j RETURN");
                    AppendRule(script, chain, $"{from} -j DROP");
                }
                else
                {
                    AppendRule(script, chain, $"-s {server.AddressText} -p {protocol} --sport {port} -j RETURN");
                }
            }
        }

        foreach (byte protocol in NetfilterRuleSet.SecuredProtocols)
        {
            AppendRule(script, chain, $"-p {protocol} -j RETURN");
        }
    }

    /// <summary>The lines of one table in iptables-save output, each ending in '\n'.</summary>
    private static string TableSection(string rules, string table)
    {
        int start = rules.IndexOf($"*{table}\n", StringComparison.Ordinal);
        if (start < 0)
        {
            return string.Empty;
        }

        int end = rules.IndexOf("COMMIT\n", start, StringComparison.Ordinal);
        return end < 0 ? rules[start..] : rules[start..end];
    }

    private string Run(string tool, string? input, params string[] arguments)
    {
        var start = new ProcessStartInfo
        {
            FileName = _networkNamespace is null ? tool : "ip",
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (_networkNamespace is not null)
        {
            foreach (string argument in new[] { "netns", "exec", _networkNamespace, tool })
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException(tool + " did not start");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        if (input is not null)
        {
            process.StandardInput.Write(input);
        }

        process.StandardInput.Close();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} failed ({process.ExitCode}): {error.Result.Trim()}");
        }

        return output.Result;
    }
}
