using Rampart.Core.Filtering;
using Rampart.DataPath.Linux;
using Rampart.Integration.Tests.Harness;
using Rampart.Lab;

namespace Rampart.Integration.Tests.Linux;

/// <summary>Rampart's chains: their content, and installing/removing them for real inside a namespace.</summary>
[Collection(NetnsCollection.Name)]
public sealed class NetfilterRulesTests
{
    private static readonly NetfilterRuleSet Rules = new()
    {
        OutboundQueue = 5,
        InboundQueue = 6,
        SecuredPeers = ["192.0.2.2", "2001:db8::/64"],
    };

    [Fact]
    public void BuildInstallScript_IPv4_ExemptsBeforeQueueingAndClampsMss()
    {
        string script = new NetfilterRules(Rules).BuildInstallScript(ipv6: false, currentRules: string.Empty);
        var lines = script.Split('\n');

        Assert.Contains("-A RAMPART-IN -s 192.0.2.2 -p 50 -j NFQUEUE --queue-num 6", lines);
        Assert.Contains("-A RAMPART-IN -s 192.0.2.2 -p 51 -j NFQUEUE --queue-num 6", lines);
        Assert.Contains("-A RAMPART-IN -s 192.0.2.2 -p udp --dport 4500 -j NFQUEUE --queue-num 6", lines);
        Assert.Contains("-I PREROUTING 1 -j RAMPART-IN", lines);
        int exemptIke = Array.IndexOf(lines, "-A RAMPART-OUT -p udp -m multiport --sports 500,4500 -j RETURN");
        int exemptRsvp = Array.IndexOf(lines, "-A RAMPART-OUT -p 46 -j RETURN");
        int exemptBroadcast = Array.IndexOf(lines, "-A RAMPART-OUT -m addrtype --dst-type BROADCAST -j RETURN");
        int queue = Array.IndexOf(lines, "-A RAMPART-OUT -d 192.0.2.2 -j NFQUEUE --queue-num 5");
        Assert.All(new[] { exemptIke, exemptRsvp, exemptBroadcast }, index => Assert.InRange(index, 0, queue - 1));
        Assert.Contains($"-A RAMPART-OUT -d 192.0.2.2 -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss {1500 - 40 - Rules.MaxOverhead}", lines);
        Assert.Contains("-A RAMPART-GUARD -m mark --mark 0x100000/0x100000 -j RETURN", lines);

        // Clear inbound traffic is queued after the exemptions, so the policy engine decides; the guard drops no peer.
        int exemptIkeIn = Array.IndexOf(lines, "-A RAMPART-IN -p udp -m multiport --dports 500,4500 -j RETURN");
        int queueIn = Array.IndexOf(lines, "-A RAMPART-IN -s 192.0.2.2 -j NFQUEUE --queue-num 6");
        Assert.InRange(exemptIkeIn, Array.IndexOf(lines, "-A RAMPART-IN -s 192.0.2.2 -p udp --dport 4500 -j NFQUEUE --queue-num 6") + 1, queueIn - 1);
        Assert.DoesNotContain(lines, line => line.StartsWith("-A RAMPART-GUARD -s 192.0.2.2", StringComparison.Ordinal));
        Assert.Equal("-A RAMPART-GUARD -m conntrack --ctstate INVALID -j RETURN", lines.Last(line => line.StartsWith("-A RAMPART-GUARD", StringComparison.Ordinal)));
        Assert.DoesNotContain("2001:db8", script, StringComparison.Ordinal);
        Assert.DoesNotContain("--queue-bypass", script, StringComparison.Ordinal);
    }

    [Fact]
    public void BuildInstallScript_ExemptsIkeByLocalPortAndDirection_NeverByThePeersPort()
    {
        string script = new NetfilterRules(Rules).BuildInstallScript(ipv6: false, currentRules: string.Empty);
        var lines = script.Split('\n');

        // Outbound only from this host's IKE sockets; inbound only to them. A peer's port 500, 88 or 389 opens nothing.
        Assert.Contains("-A RAMPART-OUT -p udp -m multiport --sports 500,4500 -j RETURN", lines);
        Assert.Contains("-A RAMPART-IN -p udp -m multiport --dports 500,4500 -j RETURN", lines);
        Assert.Contains("-A RAMPART-GUARD -p udp -m multiport --dports 500,4500 -j RETURN", lines);
        Assert.DoesNotContain("--ports", script, StringComparison.Ordinal);
        Assert.DoesNotContain("88", script, StringComparison.Ordinal);
        Assert.DoesNotContain("389", script, StringComparison.Ordinal);
        Assert.DoesNotContain(lines, line => line.StartsWith("-A RAMPART-OUT", StringComparison.Ordinal) && line.Contains("--dports", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.StartsWith("-A RAMPART-IN", StringComparison.Ordinal) && line.Contains("--sports", StringComparison.Ordinal));
    }

    [Fact]
    public void BuildInstallScript_ConfiguredKdc_IsExemptAsAClient_AndOnlyItsRepliesComeIn()
    {
        var rules = Rules with
        {
            ExemptServers = [ExemptServer.OnDefaultPort(ExemptService.Kerberos, System.Net.IPAddress.Parse("198.51.100.88"))],
        };
        var lines = new NetfilterRules(rules).BuildInstallScript(ipv6: false, currentRules: string.Empty).Split('\n');

        Assert.Contains("-A RAMPART-OUT -d 198.51.100.88 -p udp --dport 88 -j RETURN", lines);
        Assert.Contains("-A RAMPART-OUT -d 198.51.100.88 -p tcp --dport 88 -j RETURN", lines);
        Assert.Contains("-A RAMPART-IN -s 198.51.100.88 -p udp --sport 88 -j RETURN", lines);
        int reply = Array.IndexOf(lines, "-A RAMPART-GUARD -s 198.51.100.88 -p udp --sport 88 -m conntrack --ctstate ESTABLISHED -j RETURN");
        int forged = Array.IndexOf(lines, "-A RAMPART-GUARD -s 198.51.100.88 -p udp --sport 88 -j DROP");
        Assert.InRange(reply, 0, forged - 1);
        Assert.DoesNotContain("198.51.100.88", new NetfilterRules(rules).BuildInstallScript(ipv6: true, currentRules: string.Empty), StringComparison.Ordinal);
    }

    [Fact]
    public void BuildInstallScript_JumpsAlreadyPresent_AreNotAddedAgain()
    {
        var rules = new NetfilterRules(Rules);
        string current = "*raw\n:PREROUTING ACCEPT [0:0]\n:RAMPART-IN - [0:0]\n-A PREROUTING -j RAMPART-IN\nCOMMIT\n";

        string script = rules.BuildInstallScript(ipv6: true, current);

        Assert.DoesNotContain("-I PREROUTING 1 -j RAMPART-IN", script, StringComparison.Ordinal);
        Assert.Contains("-I POSTROUTING 1 -j RAMPART-OUT", script, StringComparison.Ordinal);
        Assert.Contains("-A RAMPART-OUT -d 2001:db8::/64 -j NFQUEUE --queue-num 5", script, StringComparison.Ordinal);
        Assert.Contains("--icmpv6-type 135 -j RETURN", script, StringComparison.Ordinal);
    }

    [Fact]
    public void InstallTwiceThenRemove_InNamespace_IsIdempotentAndLeavesOtherRulesAlone()
    {
        Prerequisites.Require("iptables", "iptables-restore", "ip6tables-restore");
        using var pair = new NetworkNamespacePair();
        NetworkNamespacePair.Exec(pair.A, "iptables", "-A", "INPUT", "-p", "tcp", "--dport", "9", "-j", "DROP").EnsureSuccess("foreign rule");
        var rules = new NetfilterRules(Rules, pair.A);

        rules.Install();
        string once = Save(pair.A);
        rules.Install();
        string twice = Save(pair.A);

        Assert.Equal(once, twice);
        Assert.Contains("-A PREROUTING -j RAMPART-IN", once, StringComparison.Ordinal);
        Assert.Contains("-A RAMPART-OUT -d 192.0.2.2/32 -j NFQUEUE --queue-num 5", once, StringComparison.Ordinal);
        Assert.Contains("-A INPUT -p tcp -m tcp --dport 9 -j DROP", once, StringComparison.Ordinal);
        Assert.Contains("-A RAMPART-OUT -d 2001:db8::/64 -j NFQUEUE --queue-num 5", Save6(pair.A), StringComparison.Ordinal);

        rules.Remove();
        string after = Save(pair.A) + Save6(pair.A);
        Assert.DoesNotContain("RAMPART", after, StringComparison.Ordinal);
        Assert.Contains("-A INPUT -p tcp -m tcp --dport 9 -j DROP", after, StringComparison.Ordinal);
        rules.Remove();
    }

    // Without iptables-save's "# Generated ... on <time>" comments, which differ whenever a second ticks over.
    private static string Save(string ns) => WithoutComments(NetworkNamespacePair.Exec(ns, "iptables-save").EnsureSuccess("iptables-save").Output);

    private static string Save6(string ns) => WithoutComments(NetworkNamespacePair.Exec(ns, "ip6tables-save").EnsureSuccess("ip6tables-save").Output);

    private static string WithoutComments(string rules) =>
        string.Join('\n', rules.Split('\n').Where(line => !line.StartsWith('#')));
}
