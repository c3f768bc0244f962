using System.Globalization;
using Rampart.Core.Policy;
using Rampart.Lab;

namespace Rampart.Cli.Demo;

/// <summary>
/// The narrated demo: the walkthrough's Partner policy on two hosts, then the built-in Client and Secure Server
/// policies, then the Partner policy with certificates from a CA it creates, one of them revoked. Each phase's verdict
/// comes from a capture of the wire, not from what the agents report.
/// </summary>
internal sealed class DemoScript(DemoLab lab, CancellationToken cancel)
{
    public const string PreSharedKey = "ABC123";
    private const int MaximumPings = 10;
    private const double HeldMilliseconds = 100;
    private const int RepliesWanted = 4;
    private const int RefusedPings = 3;
    private const string CaName = "Demo CA";
    private const string CertificateAction = "Partner Certificate Action";

    /// <summary>The CRL distribution point: a documentation address on A's loopback, so A fetches it outside IPsec.</summary>
    private const string CrlServerAddress = "198.51.100.80";
    private const int CrlServerPort = 8080;
    private static readonly TimeSpan RefusalDeadline = TimeSpan.FromSeconds(15);

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
        var certificates = CertificatePhase(a, b);
        var ok = partner && builtIn && certificates;
        Console.WriteLine();
        Console.WriteLine(ok
            ? "Result: every ping between the hosts was secured by IPsec, and the revoked certificate was refused."
            : "Result: NOT SECURED (see above).");
        return ok;
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

    private bool CertificatePhase(AgentHost a, AgentHost b)
    {
        Heading($"3. The Partner policy with certificates from a test CA ({CaName}, ECDSA P-256 keys; High = ESP encryption)");
        var ca = Path.Combine(lab.Directory, "ca");
        var published = System.IO.Directory.CreateDirectory(Path.Combine(lab.Directory, "www")).FullName;
        using var crlServer = lab.ServeFiles(a, CrlServerAddress, CrlServerPort, published);
        Console.WriteLine($"  A: python3 -m http.server --bind {CrlServerAddress} {CrlServerPort} --directory {published}  (the CRL distribution point)");
        var crlUrl = crlServer.Url("ca.crl");
        Step(a, "ca", "create", ca, "--name", CaName, "--key", "ecdsa-p256");
        var certificates = new Dictionary<AgentHost, string>();
        foreach (var host in new[] { a, b })
        {
            certificates[host] = Path.Combine(lab.Directory, $"{host.Name.ToLowerInvariant()}.p12");
            Step(a, "ca", "issue", ca, "--subject", Subject(host), "--ip", host.Address, "--key", "ecdsa-p256", "--crl-url", crlUrl, "--out", certificates[host]);
        }

        foreach (var host in new[] { a, b })
        {
            var show = host == a;
            Step(host, show, "cert", "import", certificates[host]);
            Step(host, show, "cert", "trust", Path.Combine(ca, "ca.crt"));
            if (show)
            {
                ShowCommand(a, "cert", "list");
            }

            // Part 2's policies make way for Partner, whose one rule now authenticates with the CA's certificates
            // and, this time, encrypts (High: ESP).
            Must(host, null, "policy", "unassign", host == a ? BuiltInPolicies.Client : BuiltInPolicies.SecureServer);
            Step(host, show, "filteraction", "create", CertificateAction, "--negotiate", "--method", "high");
            Step(host, show, "rule", "delete", "Partner", "1");
            Step(host, show, "rule", "add", "Partner", "--filterlist", "Partner Filter", "--action", CertificateAction, "--auth", "cert:" + CaName);
            Step(host, show, "policy", "assign", "Partner");
        }

        Console.WriteLine($"  B: the same with b.p12 (its rule's filter has --dst {a.Address})");

        // Part 1's main mode, authenticated with the pre-shared key, would otherwise be reused for the new quick modes.
        RestartAgents(a, b);
        using var capture = lab.Own(new WireCapture(a, "certificates"));
        var replies = PingPeer(a, b);
        capture.Stop();
        var wire = capture.Count();
        var secured = replies > 0 && wire.Secured > 0 && wire.ClearEcho == 0;
        Verdict(wire, secured, secured ? "secured with certificates: no ICMP crossed the wire in clear" : WhyNot(replies, wire));
        ShowCommand(a, "monitor", "--once");

        // The two newest 541s: the quick mode's, then the main mode's with B's certificate subject.
        ShowCommand(a, "audit", "--event", "541", "--limit", "2");

        Console.WriteLine();
        Console.WriteLine("  B's certificate is revoked; A checks CRLs from now on (level 1: refuse what a CRL says is revoked).");
        Step(a, "ca", "revoke", ca, certificates[b]);
        Step(a, "ca", "crl", ca, "--out", Path.Combine(published, "ca.crl"));
        Step(a, "cert", "crl-check", "1");
        // The SAs and main mode made before the revocation would otherwise carry on.
        RestartAgents(a, b);
        var refused = PingPeer(a, b, attempts: RefusedPings) == 0;
        var fetched = crlServer.Log.Contains("GET /ca.crl", StringComparison.Ordinal);
        var audited = WaitForAudit(a, 544);
        crlServer.Stop();
        Console.WriteLine($"  A: the HTTP server {(fetched ? "served ca.crl to A's agent" : "was NOT asked for ca.crl")}; stopped");
        ShowCommand(a, "audit", "--event", "544", "--limit", "1");
        var revokedRefused = refused && fetched && audited;
        Console.WriteLine(revokedRefused
            ? "  -> refused: A will not negotiate with a revoked certificate (event 544)"
            : $"  -> NOT OK: {(!refused ? "the revoked certificate was accepted" : !fetched ? "the CRL was not fetched" : "no event 544")}");
        return secured && revokedRefused;
    }

    /// <summary><c>rampart agent restart</c> on both hosts: all IKE state and SAs cleared, the policy applied again.</summary>
    private void RestartAgents(AgentHost a, AgentHost b)
    {
        foreach (var host in new[] { a, b })
        {
            Step(host, "agent", "restart");
            host.WaitUntilEnforcing("Partner", cancel);
        }
    }

    private static string Subject(AgentHost host) => $"CN={host.Name.ToLowerInvariant()}.rampart.demo, O=Rampart";

    /// <summary>Waits (briefly) until <paramref name="host"/> audited <paramref name="eventId"/>: the refusal is reported off the IKE loop.</summary>
    private bool WaitForAudit(AgentHost host, int eventId)
    {
        var deadline = DateTime.UtcNow + RefusalDeadline;
        while (host.Audit(eventId).Count == 0)
        {
            cancel.ThrowIfCancellationRequested();
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            Thread.Sleep(200);
        }

        return true;
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
    private int PingPeer(AgentHost from, AgentHost to, bool quiet = false, int attempts = MaximumPings)
    {
        if (!quiet)
        {
            Console.WriteLine($"  {from.Name}$ ping {to.Address}");
        }

        var replies = 0;
        for (var i = 0; i < attempts && replies < RepliesWanted; i++)
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

    /// <summary>Runs a rampart command on <paramref name="host"/> that must succeed, printing it first.</summary>
    private static void Step(AgentHost host, params string[] arguments) => Step(host, show: true, arguments);

    /// <summary>As <see cref="Must"/>, printing the command first when <paramref name="show"/> (host B's usually go unprinted).</summary>
    private static void Step(AgentHost host, bool show, params string[] arguments)
    {
        if (show)
        {
            Console.WriteLine($"  {host.Name}$ rampart {Quote(arguments)}");
        }

        Must(host, null, arguments);
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
