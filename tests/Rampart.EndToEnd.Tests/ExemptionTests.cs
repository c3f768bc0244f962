using Rampart.Lab;
using Rampart.TestLab;

namespace Rampart.EndToEnd.Tests;

/// <summary>
/// Exemptions by endpoint and direction, with real agents in two namespaces: under a policy that blocks everything
/// but IKE-secured ping with A, B's UDP and TCP services answer no peer, whatever source port the peer sends from
/// (Windows 2000's default exemptions let anything from port 88, 389, 500 or 4500 in), and IKE still negotiates.
/// Needs root, iproute2, iptables, ping, python3 and tshark; fails (does not skip) without them.
/// </summary>
[Collection(NetnsCollection.Name)]
public sealed class ExemptionTests
{
    private const int UdpPort = 7777;
    private const int TcpPort = 7778;
    private static readonly int[] SourcePorts = [88, 389, 500, 4500, 40123];

    // Echoes on UDP 7777 and TCP 7778 and says what it received.
    private const string Services = """
        import socket, threading, sys
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("0.0.0.0", 7777))
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); t.bind(("0.0.0.0", 7778)); t.listen(16)
        def udp():
            while True:
                data, peer = u.recvfrom(2048); print("got udp from", peer, flush=True); u.sendto(data, peer)
        def tcp():
            while True:
                c, peer = t.accept(); print("got tcp from", peer, flush=True); c.sendall(b"hello"); c.close()
        threading.Thread(target=udp, daemon=True).start(); threading.Thread(target=tcp, daemon=True).start()
        print("ready", flush=True); threading.Event().wait()
        """;

    // Sends one datagram and opens one connection from each source port; prints "udp PORT answered|silent", "tcp PORT ...".
    private const string Probe = """
        import socket, sys
        target, ports = sys.argv[1], [int(p) for p in sys.argv[2].split(",")]
        for port in ports:
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            u.bind(("0.0.0.0", port)); u.settimeout(1.5); u.sendto(b"probe", (target, 7777))
            try:
                u.recvfrom(2048); print("udp", port, "answered")
            except socket.timeout:
                print("udp", port, "silent")
            u.close()
            t = socket.socket(socket.AF_INET, socket.SOCK_STREAM); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            t.bind(("0.0.0.0", port)); t.settimeout(1.5)
            try:
                t.connect((target, 7778)); print("tcp", port, "answered")
            except socket.timeout:
                print("tcp", port, "silent")
            t.close()
        """;

    [Fact]
    public void BlockAllPolicy_ServicesAnswerNoPeer_WhateverItsSourcePort_AndIkeStillNegotiates()
    {
        Prerequisites.Require("iptables", "ping", "python3", "tshark");
        using var pair = new NetworkNamespacePair();
        using var a = pair.Own(new AgentHost(pair, pair.A, NetworkNamespacePair.AddressA));
        using var b = pair.Own(new AgentHost(pair, pair.B, NetworkNamespacePair.AddressB));
        var services = pair.StartProcess(pair.B, "python3", "-c", Services);
        services.WaitForText("ready", TimeSpan.FromSeconds(20));
        b.Start();

        // With no policy the services answer every probe: silence later is the policy's doing, not the probe's.
        Assert.All(ProbeFrom(a), line => Assert.EndsWith("answered", line, StringComparison.Ordinal));

        // B blocks everything, except ping with A, which it secures with IKE (a more specific filter wins).
        b.Cli("filteraction", "create", "Block All", "--block");
        b.Cli("filterlist", "create", "Partner Ping");
        b.Cli("filter", "add", "Partner Ping", "--src", "me", "--dst", a.Address, "--protocol", "icmp");
        b.Cli("filteraction", "create", "Partner Filter Action", "--negotiate", "--method", "high");
        b.Cli("policy", "create", "Fortress", "--no-default-response");
        b.Cli("rule", "add", "Fortress", "--filterlist", "All IP Traffic", "--action", "Block All");
        b.Cli("rule", "add", "Fortress", "--filterlist", "Partner Ping", "--action", "Partner Filter Action", "--auth", "psk:ABC123");
        b.Assign("Fortress");
        var before = services.Output;

        var probes = ProbeFrom(a);

        Assert.Equal(SourcePorts.Length * 2, probes.Count);
        Assert.All(probes, line => Assert.EndsWith("silent", line, StringComparison.Ordinal));
        Assert.Equal(before, services.Output);

        // IKE to and from the agents' own ports still works through the block-all policy.
        using var capture = pair.Own(new PacketCapture(pair, pair.A, NetworkNamespacePair.DeviceA));
        a.Start();
        a.Cli("filterlist", "create", "Partner Ping");
        a.Cli("filter", "add", "Partner Ping", "--src", "me", "--dst", b.Address, "--protocol", "icmp");
        a.Cli("filteraction", "create", "Partner Filter Action", "--negotiate", "--method", "high");
        a.Cli("policy", "create", "Partner", "--no-default-response");
        a.Cli("rule", "add", "Partner", "--filterlist", "Partner Ping", "--action", "Partner Filter Action", "--auth", "psk:ABC123");
        a.Assign("Partner");
        Wait.Until(() => a.Ping(b.Address), TimeSpan.FromSeconds(20), "a ping through ESP\n" + a.AgentOutput + b.AgentOutput);
        Assert.Equal(2, b.SaList().Count);
        capture.Stop();
        Assert.NotEmpty(capture.Fields("esp"));
        Assert.NotEmpty(capture.Fields("udp.srcport == 500 && ip.src == " + b.Address));
        Assert.Empty(capture.Fields("icmp && !esp"));

        string status = b.Cli("agent", "status");
        Assert.Contains("IKE: UDP to this host's ports 500 and 4500", status, StringComparison.Ordinal);
        Assert.Contains("Kerberos: none: no KDC configured", status, StringComparison.Ordinal);
    }

    private static List<string> ProbeFrom(AgentHost host)
    {
        var result = NetworkNamespacePair.Exec(host.Namespace, "python3", "-c", Probe, NetworkNamespacePair.AddressB, string.Join(',', SourcePorts));
        Assert.True(result.ExitCode == 0, "probe failed: " + result.Error);
        return [.. result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }
}
