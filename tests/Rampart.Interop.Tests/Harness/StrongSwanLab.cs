using Rampart.Lab;

namespace Rampart.Interop.Tests.Harness;

/// <summary>
/// Rampart in namespace <c>rpt-PID-N-a</c> (192.0.2.1) and a real strongSwan 5.9.8 charon in <c>rpt-PID-N-b</c>
/// (192.0.2.2): the project's own peer (<see cref="StrongSwanPeer"/>, Debian's packages, nothing outside the
/// repository), and tshark capturing on Rampart's veth. strongSwan's userspace ESP only does tunnel mode in UDP 4500,
/// so Rampart's rule is a host-to-host tunnel and NAT-T is exercised. Dispose stops tshark, rampartd and charon by
/// PID, removes the namespaces and the work directory, also when the constructor or the test failed.
/// </summary>
public sealed class StrongSwanLab : IDisposable
{
    public const string RampartAddress = NetworkNamespacePair.AddressA;
    public const string StrongSwanAddress = NetworkNamespacePair.AddressB;
    public const string StrongSwanPsk = "interop-test-psk-not-a-secret";
    public const string Connection = StrongSwanConfiguration.Connection;
    public const string Child = StrongSwanConfiguration.Child;
    private readonly string _work;
    private readonly NetworkNamespacePair _network;
    private readonly BackgroundProcess? _capture;
    private readonly StrongSwanPeer? _strongSwan;

    /// <summary>
    /// Starts the lab; <paramref name="fragmentation"/> sets the veth's MTU and both sides' IKE fragmentation (null =
    /// MTU 1500, both defaults); <paramref name="certificates"/> makes both sides authenticate with certificates
    /// instead of the pre-shared key (strongSwan's ikev1-cert profile).
    /// </summary>
    public StrongSwanLab(
        CipherSuite suite,
        string rampartPsk = StrongSwanPsk,
        IReadOnlyList<string>? rampartEnvironment = null,
        LabFragmentation? fragmentation = null,
        LabCertificates? certificates = null)
    {
        ArgumentNullException.ThrowIfNull(suite);
        StrongSwanPrerequisites.Require();
        _network = new NetworkNamespacePair(fragmentation?.Mtu ?? 1500);
        _work = Directory.CreateTempSubdirectory("rampart-interop-").FullName;
        CaptureFile = Path.Combine(_work, "left.pcapng");
        try
        {
            var configuration = new StrongSwanConfiguration(StrongSwanAddress, RampartAddress, StrongSwanPsk, suite.StrongSwanIke, suite.StrongSwanEsp)
            {
                Fragmentation = fragmentation?.StrongSwanMode,
                FragmentSize = fragmentation?.StrongSwanFragmentSize,
                Certificates = certificates?.StrongSwan(),
            };
            _strongSwan = _network.Own(new StrongSwanPeer(RightNamespace, Path.Combine(_work, "strongswan"), configuration));
            Swanctl("--load-all").EnsureSuccess();
            _capture = _network.StartProcess(LeftNamespace, "tshark", "-q", "-n", "-i", NetworkNamespacePair.DeviceA, "-w", CaptureFile);
            _capture.WaitForText("Capturing on", TimeSpan.FromSeconds(30));
            Thread.Sleep(500);
            // Through `rampart agent run`, as an administrator starts it.
            var binaries = RampartBinaries.BesideThisAssembly.WithAgentRunByCli();
            Rampart = new AgentHost(_network, LeftNamespace, home: Path.Combine(_work, "rampart"), binaries: binaries)
                .Start([.. rampartEnvironment ?? [], .. fragmentation?.RampartEnvironment ?? []]);
            var authentication = "psk:" + rampartPsk;
            if (certificates is not null)
            {
                certificates.InstallInto(Rampart);
                authentication = "cert:" + PkiCertificates.RootName;
            }

            Rampart.AssignTunnelPolicy(StrongSwanAddress, suite, authentication);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string LeftNamespace => _network.A;

    public string RightNamespace => _network.B;

    public AgentHost Rampart { get; } = null!;

    public string CaptureFile { get; }

    public ToolResult Swanctl(params string[] arguments) =>
        (_strongSwan ?? throw new InvalidOperationException("charon is not running")).Swanctl(arguments);

    /// <summary>charon's whole log (what it received, reassembled and sent).</summary>
    public string StrongSwanLog() => File.ReadAllText((_strongSwan ?? throw new InvalidOperationException("charon is not running")).LogFile);

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
    public string Diagnostics() => $"""
            --- rampartd output ---
            {Rampart.AgentLogTail(30)}
            --- rampartd trace/ike.log ---
            {Rampart.IkeTraceTail()}
            --- charon.log ---
            {_strongSwan?.LogTail()}
            --- swanctl --list-sas ---
            {Swanctl("--list-sas").Output}
            """;

    public void Dispose()
    {
        // The pair disposes what it owns in reverse order (rampartd, tshark, charon), then deletes the namespaces.
        _network.Dispose();
        Directory.Delete(_work, recursive: true);
    }
}
