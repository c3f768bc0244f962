using System.Globalization;
using BackgroundProcess = Rampart.Integration.Tests.Harness.BackgroundProcess;

namespace Rampart.Interop.Tests.Harness;

/// <summary>
/// Rampart in namespace <c>rit-PID-N-l</c> (192.0.2.1) and a real strongSwan 5.9.8 charon in <c>rit-PID-N-r</c>
/// (192.0.2.2), set up with the shared peer scripts (netns-up.sh, make-conf.sh with the ikev1-psk profile,
/// charon-start.sh), and tshark capturing on Rampart's veth. strongSwan's userspace ESP only does tunnel mode in
/// UDP 4500, so Rampart's rule is a host-to-host tunnel and NAT-T is exercised. Dispose stops tshark, rampartd
/// and charon by PID, removes the namespaces (netns-down.sh) and the work directory.
/// </summary>
public sealed class StrongSwanLab : IDisposable
{
    public const string RampartAddress = "192.0.2.1";
    public const string StrongSwanAddress = "192.0.2.2";
    public const string StrongSwanPsk = "interop-test-psk-not-a-secret";
    public const string Connection = "ikev1-psk";
    public const string Child = "ikev1-psk-tun";
    private static int _counter;
    private readonly Dictionary<string, string> _environment;
    private readonly string _work;
    private readonly string _scripts = RepositoryPaths.StrongSwanScripts;
    private readonly List<IDisposable> _owned = [];
    private readonly BackgroundProcess? _capture;
    private readonly bool _networkUp;
    private readonly bool _charonUp;

    public StrongSwanLab(CipherSuite suite, string rampartPsk = StrongSwanPsk, IReadOnlyList<string>? rampartEnvironment = null)
    {
        ArgumentNullException.ThrowIfNull(suite);
        Prerequisites.Require();
        RemoveStaleNamespaces();
        var prefix = string.Create(CultureInfo.InvariantCulture, $"rit-{Environment.ProcessId}-{Interlocked.Increment(ref _counter)}");
        LeftNamespace = prefix + "-l";
        RightNamespace = prefix + "-r";
        _work = Directory.CreateTempSubdirectory("rampart-interop-").FullName;
        CaptureFile = Path.Combine(_work, "left.pcapng");
        _environment = new Dictionary<string, string>
        {
            ["SS_LEFT_NS"] = LeftNamespace,
            ["SS_RIGHT_NS"] = RightNamespace,
            ["SS_LEFT_DEV"] = "veth-l",
            ["SS_RIGHT_DEV"] = "veth-r",
            ["SS_LEFT_IP"] = RampartAddress,
            ["SS_RIGHT_IP"] = StrongSwanAddress,
            ["SS_PSK"] = StrongSwanPsk,
            ["SS_IKEV1_PROPOSALS"] = suite.StrongSwanIke,
            ["SS_ESP_PROPOSALS"] = suite.StrongSwanEsp,
        };
        try
        {
            Script("netns-up.sh");
            _networkUp = true;
            Script("make-conf.sh", StrongSwanConfig, StrongSwanAddress, RampartAddress, Connection);
            Script("charon-start.sh", RightNamespace, StrongSwanConfig);
            _charonUp = true;
            Swanctl("--load-all").EnsureSuccess();
            _capture = new BackgroundProcess("ip", ["netns", "exec", LeftNamespace, "tshark", "-q", "-n", "-i", "veth-l", "-w", CaptureFile]);
            _capture.WaitForText("Capturing on", TimeSpan.FromSeconds(30));
            Thread.Sleep(500);
            Rampart = Own(new RampartHost(LeftNamespace, Path.Combine(_work, "rampart"), rampartEnvironment));
            Rampart.AssignTunnelPolicy(StrongSwanAddress, suite, rampartPsk);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string LeftNamespace { get; }

    public string RightNamespace { get; }

    public RampartHost Rampart { get; } = null!;

    public string CaptureFile { get; }

    private string StrongSwanConfig => Path.Combine(_work, "strongswan");

    public ToolResult Swanctl(params string[] arguments) =>
        Tool.Run([Path.Combine(_scripts, "swanctl.sh"), StrongSwanConfig, .. arguments], _environment, TimeSpan.FromSeconds(60));

    /// <summary>Pings from one namespace to an address once a second until a reply comes or the attempts run out.</summary>
    public static bool Ping(string fromNamespace, string address, int attempts)
    {
        for (var i = 0; i < attempts; i++)
        {
            if (Tool.Run(["ip", "netns", "exec", fromNamespace, "ping", "-n", "-c", "1", "-W", "1", address]).Succeeded)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Stops the capture so the pcap is complete.</summary>
    public void StopCapture()
    {
        Thread.Sleep(500);
        _capture?.Interrupt(TimeSpan.FromSeconds(30));
    }

    /// <summary>Packets of the capture matching a tshark display filter.</summary>
    public int CountPackets(string displayFilter) =>
        Tool.Run(["tshark", "-r", CaptureFile, "-n", "-Y", displayFilter]).EnsureSuccess().Output
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;

    /// <summary>Everything useful when a test fails: both daemons' view and the wire.</summary>
    public string Diagnostics()
    {
        var charonLog = Path.Combine(StrongSwanConfig, "charon.log");
        return $"""
            --- rampartd output ---
            {string.Join('\n', Rampart.AgentOutput.Split('\n').TakeLast(30))}
            --- rampartd trace/ike.log ---
            {Rampart.IkeTraceTail()}
            --- charon.log ---
            {(File.Exists(charonLog) ? string.Join('\n', File.ReadLines(charonLog).TakeLast(40)) : "(none)")}
            --- swanctl --list-sas ---
            {Swanctl("--list-sas").Output}
            """;
    }

    public void Dispose()
    {
        _capture?.Dispose();
        foreach (var resource in Enumerable.Reverse(_owned))
        {
            resource.Dispose();
        }

        if (_charonUp)
        {
            Script("charon-stop.sh", StrongSwanConfig);
        }

        if (_networkUp)
        {
            Script("netns-down.sh");
        }
        else
        {
            // netns-up.sh may have failed half-way: remove whatever it created.
            Tool.Run([Path.Combine(_scripts, "netns-down.sh")], _environment);
        }

        Directory.Delete(_work, recursive: true);
    }

    /// <summary>Labs of test runs that were killed: their namespaces still hold a charon and rampartd.</summary>
    private static void RemoveStaleNamespaces()
    {
        foreach (var name in Tool.Run(["ip", "netns", "list"]).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split(' ')[0]))
        {
            var parts = name.Split('-');
            if (parts is ["rit", var pid, _, "l" or "r"] && !Directory.Exists("/proc/" + pid))
            {
                foreach (var process in Tool.Run(["ip", "netns", "pids", name]).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    Tool.Run(["kill", "-KILL", process.Trim()]);
                }

                Tool.Run(["ip", "netns", "del", name]);
            }
        }
    }

    private T Own<T>(T resource)
        where T : IDisposable
    {
        _owned.Add(resource);
        return resource;
    }

    private void Script(string name, params string[] arguments) =>
        Tool.Run([Path.Combine(_scripts, name), .. arguments], _environment).EnsureSuccess();
}
