using System.Globalization;
using Rampart.Core.Policy;
using Rampart.Lab;

namespace Rampart.Cli.Demo;

/// <summary>
/// The narrated demo: the walkthrough's Partner policy on two hosts, then the built-in Client and Secure Server
/// policies. Each phase's verdict comes from a capture of the wire, not from what the agents report.
/// </summary>
internal sealed class DemoScript(DemoLab lab, CancellationToken cancel)
{
    public const string PreSharedKey = "ABC123";
    private const int MaximumPings = 10;
    private const double HeldMilliseconds = 100;
    private const int RepliesWanted = 4;

    /// <summary>Runs every phase; returns whether the traffic was secured in all of them.</summary>
    public bool Run()
    {
        var a = lab.A;
        var b = lab.B;
        Console.WriteLine($"Two hosts on a virtual wire: A {a.Address} and B {b.Address} (namespaces {a.Namespace}, {b.Namespace})");
        a.Start();
        cancel.ThrowIfCancellationRequested();
        b.Start();
        Console.WriteLine($"Agents running: A pid {a.AgentPid}, B pid {b.AgentPid}");
        var partner = PartnerPhase(a, b);
        var builtIn = BuiltInPhase(a, b);
        Console.WriteLine();
        Console.WriteLine(partner && builtIn
            ? "Result: every ping between the hosts was secured by IPsec."
            : "Result: NOT SECURED (see above).");
        return partner && builtIn;
    }

    private bool PartnerPhase(AgentHost a, AgentHost b)
    {
        Heading($"1. The walkthrough's Partner policy (pre-shared key {PreSharedKey}, Medium = AH integrity)");
        foreach (var host in new[] { a, b })
        {
            foreach (var command in PartnerCommands(host.PeerAddress))
            {
                // The key goes through standard input (psk:-); the narration shows the walkthrough's inline form.
                var readsKey = command.Contains("psk:-");
                Must(host, readsKey ? PreSharedKey : null, command);
                if (host == a)
                {
                    Console.WriteLine($"  A$ rampart {Quote(readsKey ? [.. command.Select(word => word == "psk:-" ? "psk:" + PreSharedKey : word)] : command)}");
                }
            }
        }

        Console.WriteLine($"  B: the same, with --dst {a.Address}");
        a.WaitUntilEnforcing("Partner", cancel);
        b.WaitUntilEnforcing("Partner", cancel);
        using var capture = lab.Own(new WireCapture(a, "partner"));
        var replies = PingPeer(a, b);
        capture.Stop();
        var wire = capture.Count();
        var secured = replies > 0 && wire.Secured > 0 && wire.ClearEcho == 0;
        Verdict(wire, secured, secured ? "secured: no ICMP crossed the wire in clear" : WhyNot(replies, wire));

        ShowCommand(a, "sa", "list");
        ShowCommand(a, "monitor", "--once");

        // The walkthrough's event 541, IKE security association established: the newest is the quick mode's.
        ShowCommand(a, "audit", "--event", "541", "--limit", "1");
        return secured;
    }

    private bool BuiltInPhase(AgentHost a, AgentHost b)
    {
        Heading("2. Built-in policies: Client (Respond Only) on A, Secure Server (Require Security) on B");
        Console.WriteLine($"  (built-ins authenticate with Kerberos; until it exists the demo uses the pre-shared key {PreSharedKey})");
        Console.WriteLine($"  B$ rampart rule delete \"Secure Server\" 1; rampart rule add \"Secure Server\" --filterlist \"All IP Traffic\" --action \"Require Security\" --auth psk:{PreSharedKey}");
        Must(a, null, "policy", "unassign", "Partner");
        Must(b, null, "policy", "unassign", "Partner");
        Must(b, null, "rule", "delete", BuiltInPolicies.SecureServer, "1");
        Must(b, PreSharedKey, "rule", "add", BuiltInPolicies.SecureServer, "--filterlist", BuiltInPolicies.AllIpTraffic, "--action", BuiltInPolicies.RequireSecurity, "--auth", "psk:-");
        // Client has only the default response rule; its authentication (Kerberos in the built-ins) is editable.
        Must(a, PreSharedKey, "policy", "set", BuiltInPolicies.Client, "--default-response-auth", "psk:-");
        Must(a, null, "policy", "assign", "Client");
        Must(b, null, "policy", "assign", "Secure Server");
        Console.WriteLine($"  A$ rampart policy set Client --default-response-auth psk:{PreSharedKey}");
        Console.WriteLine("  A$ rampart policy assign Client");
        Console.WriteLine("  B$ rampart policy assign \"Secure Server\"");
        a.WaitUntilEnforcing(BuiltInPolicies.Client, cancel);
        b.WaitUntilEnforcing(BuiltInPolicies.SecureServer, cancel);

        using var first = lab.Own(new WireCapture(a, "builtin-first"));
        var replies = PingPeer(a, b);
        first.Stop();
        var opening = first.Count();
        if (replies == 0)
        {
            Verdict(opening, good: false, WhyNot(replies, opening));
            return false;
        }

        Verdict(opening, opening.ClearEcho > 0, "while negotiating: the client's first requests went in clear; Secure Server answered only through IPsec");
        using var steady = lab.Own(new WireCapture(a, "builtin-steady"));
        var later = PingPeer(a, b, quiet: true);
        steady.Stop();
        var settled = steady.Count();
        var secured = later > 0 && opening.ClearEcho > 0 && settled.Secured > 0 && settled.ClearEcho == 0;
        Verdict(settled, secured, secured ? $"then {later} more pings: secured both ways" : WhyNot(later, settled));
        ShowCommand(b, "sa", "list");
        return secured;
    }

    private static IEnumerable<string[]> PartnerCommands(string peer) =>
    [
        ["policy", "create", "Partner", "--no-default-response"],
        ["filterlist", "create", "Partner Filter"],
        ["filter", "add", "Partner Filter", "--src", "me", "--dst", peer],
        ["filteraction", "create", "Partner Filter Action", "--negotiate", "--method", "medium"],
        ["rule", "add", "Partner", "--filterlist", "Partner Filter", "--action", "Partner Filter Action", "--auth", "psk:-"],
        ["policy", "assign", "Partner"],
    ];

    /// <summary>Pings until a few replies came back, printing each as Windows 2000's ping did; returns the replies.</summary>
    private int PingPeer(AgentHost from, AgentHost to, bool quiet = false)
    {
        if (!quiet)
        {
            Console.WriteLine($"  {from.Name}$ ping {to.Address}");
        }

        var replies = 0;
        for (var i = 0; i < MaximumPings && replies < RepliesWanted; i++)
        {
            cancel.ThrowIfCancellationRequested();
            var ping = NetworkNamespacePair.Ping(from.Namespace, to.Address);
            if (ping.Answered)
            {
                replies++;
                Thread.Sleep(200);
            }

            if (!quiet)
            {
                Console.WriteLine(ping.Answered
                    ? string.Create(CultureInfo.InvariantCulture, $"    Reply from {to.Address}: time={ping.Milliseconds:0.0} ms{(ping.Milliseconds > HeldMilliseconds ? "  (held while IKE negotiated)" : "")}")
                    : "    Negotiating IP Security.");
            }
        }

        return replies;
    }

    private static string WhyNot(int replies, WireCounts wire) =>
        replies == 0 ? "no reply at all"
        : wire.ClearEcho > 0 ? "ICMP crossed the wire in clear"
        : "no ESP or AH on the wire";

    private static void Verdict(WireCounts wire, bool good, string meaning) =>
        Console.WriteLine($"  wire: {wire} -> {(good ? "" : "NOT OK: ")}{meaning}");

    private void ShowCommand(AgentHost host, params string[] arguments)
    {
        cancel.ThrowIfCancellationRequested();
        Console.WriteLine($"  {host.Name}$ rampart {Quote(arguments)}");
        var result = host.Run(arguments);
        Indent(result.Succeeded ? result.Output : "(failed) " + result.Message);
    }

    /// <summary>
    /// Runs a rampart command on <paramref name="host"/> that must succeed, with <paramref name="input"/> on its standard
    /// input: the pre-shared key goes there (<c>psk:-</c>), so it never shows in any process's argv. A failure ends the demo.
    /// </summary>
    private static void Must(AgentHost host, string? input, params string[] arguments)
    {
        var result = host.RunWithInput(input, arguments);
        if (!result.Succeeded)
        {
            throw new DemoFailureException($"host {host.Name}: rampart {string.Join(' ', arguments)} failed: {result.Message}");
        }
    }

    private static void Heading(string text)
    {
        Console.WriteLine();
        Console.WriteLine(text);
    }

    private static void Indent(string text)
    {
        foreach (var line in text.TrimEnd().Split('\n'))
        {
            Console.WriteLine("    " + line);
        }
    }

    private static string Quote(IEnumerable<string> arguments) =>
        string.Join(' ', arguments.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"\"{a}\"" : a));
}
