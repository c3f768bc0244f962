using System.Globalization;
using System.Text.Json;
using Rampart.Integration.Tests.Harness;

namespace Rampart.Integration.Tests.Agent;

/// <summary>
/// The real rampartd running in one namespace of a <see cref="NetworkNamespacePair"/> with its own RAMPART_HOME,
/// and the real CLI talking to it. <see cref="Kill"/> sends SIGKILL; <see cref="Start"/> runs it again on the same home.
/// </summary>
public sealed class AgentHost : IDisposable
{
    private readonly NetworkNamespacePair _pair;
    private BackgroundProcess? _process;

    public AgentHost(NetworkNamespacePair pair, string ns)
    {
        ArgumentNullException.ThrowIfNull(pair);
        _pair = pair;
        Namespace = ns;
        Home = Directory.CreateTempSubdirectory("rpt-home-").FullName;
        pair.Own(this);
        Start();
    }

    public string Namespace { get; }

    public string Home { get; }

    public int ProcessId => _process?.Id ?? throw new InvalidOperationException("the agent is not running");

    public bool HasExited => _process?.HasExited ?? true;

    /// <summary>Starts rampartd and waits until its queues are open and it answers on its control socket.</summary>
    public void Start()
    {
        _process = _pair.StartProcess(Namespace, "env", "RAMPART_HOME=" + Home, "dotnet", Binary("rampartd.dll"));
        _process.WaitForText("Data path queues", TimeSpan.FromSeconds(60));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Run("agent", "status").ExitCode != 0)
        {
            if (DateTime.UtcNow > deadline || _process.HasExited)
            {
                throw new InvalidOperationException("rampartd does not answer: " + _process.Error + _process.Output);
            }

            Thread.Sleep(100);
        }
    }

    /// <summary>SIGKILL, as a crash: nothing of the agent runs its shutdown code.</summary>
    public void Kill()
    {
        Shell.Run("kill", "-KILL", ProcessId.ToString(CultureInfo.InvariantCulture)).EnsureSuccess("kill -KILL");
        _process!.WaitForExit(TimeSpan.FromSeconds(10));
    }

    /// <summary>Runs <c>rampart ARGS</c> in this host's namespace against this agent.</summary>
    public CommandResult Run(params string[] arguments) =>
        NetworkNamespacePair.Exec(Namespace, ["env", "RAMPART_HOME=" + Home, "dotnet", Binary("rampart.dll"), .. arguments]);

    /// <summary>Runs <c>rampart ARGS</c> and fails the test with its output when it fails.</summary>
    public string Cli(params string[] arguments) => Run(arguments).EnsureSuccess("rampart " + string.Join(' ', arguments)).Output;

    /// <summary>The SA rows of <c>rampart sa list --json</c>, by SPI.</summary>
    public IReadOnlyDictionary<uint, JsonElement> ListSas()
    {
        using var document = JsonDocument.Parse(Cli("sa", "list", "--json"));
        return document.RootElement.EnumerateArray().ToDictionary(row => row.GetProperty("spi").GetUInt32(), row => row.Clone());
    }

    public void Dispose()
    {
        _process?.Dispose();
        Directory.Delete(Home, recursive: true);
    }

    private static string Binary(string name)
    {
        string path = Path.Combine(AppContext.BaseDirectory, name);
        return File.Exists(path) ? path : throw new FileNotFoundException("not built next to the tests", path);
    }
}
