using Rampart.Lab;

namespace Rampart.Agent.Tests;

/// <summary>
/// rampartd refuses, at start-up and with a clear message, a state directory someone other than root could control
/// or one with a link planted in it, and touches nothing. Each agent runs in a network namespace of its own (in case
/// it wrongly starts); needs root and iproute2, without them the test fails saying so.
/// </summary>
public sealed class AgentStateDirectoryTests : IDisposable
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode Everyone = (UnixFileMode)0x1FF; // 0777

    private readonly string _root = Directory.CreateTempSubdirectory("rampart-agent-home-").FullName;

    private string Home => Path.Combine(_root, "home");

    private string Victim => Path.Combine(_root, "outside", "victim");

    [Fact]
    public void Agent_RefusesAHomeWritableByOthers()
    {
        Directory.CreateDirectory(Home);
        File.SetUnixFileMode(Home, Everyone);

        var (exitCode, error) = RunAgent();

        Assert.Equal(2, exitCode);
        Assert.Contains($"rampartd: refusing RAMPART_HOME {Home}: it is writable by group or others (mode 0777); run chmod 700 {Home}", error, StringComparison.Ordinal);
        Assert.Equal(Everyone, File.GetUnixFileMode(Home));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Home));
    }

    [Fact]
    public void Agent_RefusesAHomeOwnedByNobody()
    {
        Directory.CreateDirectory(Home, Private);
        Run("chown", "65534", Home);

        var (exitCode, error) = RunAgent();

        Assert.Equal(2, exitCode);
        Assert.Contains($"rampartd: refusing RAMPART_HOME {Home}: it is owned by uid 65534, not root; run chown root: {Home}", error, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Home));
    }

    [Fact]
    public void Agent_RefusesALinkPlantedAtTheAgentTrace_AndCreatesNothingThroughIt()
    {
        var trace = Path.Combine(Home, "trace");
        Directory.CreateDirectory(trace, Private);
        Directory.CreateDirectory(Path.GetDirectoryName(Victim)!);
        var link = Path.Combine(trace, "agent.log");
        File.CreateSymbolicLink(link, Victim);

        var (exitCode, error) = RunAgent();

        Assert.Equal(2, exitCode);
        Assert.Contains($"rampartd: refusing RAMPART_HOME {Home}: {link} is a symbolic link (to {Victim}); remove it", error, StringComparison.Ordinal);
        Assert.False(File.Exists(Victim), "the agent wrote through the link");
        Assert.Equal(Victim, new FileInfo(link).LinkTarget);
    }

    [Fact]
    public void Agent_RefusesALinkPlantedAtPolicyDb_AndWritesNothingThroughIt()
    {
        Directory.CreateDirectory(Home, Private);
        Directory.CreateDirectory(Path.GetDirectoryName(Victim)!);
        File.WriteAllBytes(Victim, []);
        var link = Path.Combine(Home, "policy.db");
        File.CreateSymbolicLink(link, Victim);

        var (exitCode, error) = RunAgent();

        Assert.Equal(2, exitCode);
        Assert.Contains($"rampartd: refusing RAMPART_HOME {Home}: {link} is a symbolic link (to {Victim}); remove it", error, StringComparison.Ordinal);
        Assert.Equal(0, new FileInfo(Victim).Length);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>Starts rampartd on <see cref="Home"/> and waits for it to give up; an agent still running fails the test.</summary>
    private (int ExitCode, string Error) RunAgent()
    {
        using var pair = new NetworkNamespacePair();
        try
        {
            var agent = Tool.Run(["ip", "netns", "exec", pair.A, "env", "RAMPART_HOME=" + Home, .. RampartBinaries.Built(RampartBinaries.BesideThisAssembly.Agent)], TimeSpan.FromSeconds(30));
            return (agent.ExitCode, agent.Error);
        }
        catch (TimeoutException)
        {
            Assert.Fail("rampartd started in an unsafe state directory");
            throw;
        }
    }

    private static void Run(string fileName, params string[] arguments) => Tool.Run([fileName, .. arguments]).EnsureSuccess($"{fileName} (the test needs root)");
}
