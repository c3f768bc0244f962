using Rampart.Core.Control;
using Rampart.Lab;

namespace Rampart.Agent.Tests;

/// <summary>Runs the real rampartd (in a network namespace of its own: it installs netfilter chains) and talks to it over its control socket.</summary>
public class AgentProcessTests
{
    [Fact]
    public void Agent_AnswersOnItsControlSocket_AndRefusesBadRequests()
    {
        using var pair = new NetworkNamespacePair();
        var agent = new AgentHost(pair, pair.A).Start();
        var socketPath = ControlEndpoint.SocketPath(agent.Home);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(socketPath));

        using var client = ControlClient.Connect(socketPath);
        ControlResponse Ask(string line) => client.SendLine(line);

        var status = Ask("""{"command":"agent.status"}""");
        Assert.True(status.Ok);
        Assert.Equal(agent.AgentPid, status.Result!.Value.GetProperty("processId").GetInt32());

        var unknown = Ask("""{"command":"no.such"}""");
        Assert.False(unknown.Ok);
        Assert.Contains("no.such", unknown.Error, StringComparison.Ordinal);

        var garbage = Ask("{not json");
        Assert.False(garbage.Ok);
        Assert.StartsWith("malformed request", garbage.Error, StringComparison.Ordinal);

        var trace = Ask("""{"command":"trace.set","arguments":{"trace":"ike","enabled":false}}""");
        Assert.True(trace.Ok);
        Assert.False(trace.Result!.Value.EnumerateArray().First(t => t.GetProperty("trace").GetString() == "ike").GetProperty("enabled").GetBoolean());

        Assert.False(agent.HasExited, "a bad request must not stop the agent");
    }
}
