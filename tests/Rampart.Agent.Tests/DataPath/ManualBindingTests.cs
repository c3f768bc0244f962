using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Rampart.Agent.DataPath;
using Rampart.Agent.Policy;
using Rampart.Agent.Tests.Doubles;
using Rampart.Agent.Tests.Ike;
using Rampart.Core.Control;
using Rampart.Core.Policy;
using Rampart.DataPath.PolicyEngine;

namespace Rampart.Agent.Tests.DataPath;

/// <summary>
/// Manual SAs as bindings of the agent's loop, and the netfilter chains that follow the policy and them: one agent's
/// core (loop, data path service, manual keying) in this process with in-memory queues and recording chains.
/// </summary>
public sealed class ManualBindingTests : IAsyncDisposable
{
    private const uint OutboundSpi = 0x1001;
    private const uint InboundSpi = 0x1002;

    private readonly LoopAgent _agent = new(TestPolicies.HostA, new InMemoryIkeNetwork(), new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero)));

    /// <summary>This host with no policy assigned.</summary>
    private readonly AppliedPolicy _noPolicy = TestPolicies.Apply(PolicySnapshot.Empty, TestPolicies.HostA);

    public ManualBindingTests() => _agent.StartAsync().GetAwaiter().GetResult();

    public ValueTask DisposeAsync() => _agent.DisposeAsync();

    [Fact]
    public async Task Chains_AreInstalledWhileAPolicyIsAssignedOrAManualSaExists_AndRemovedOtherwise()
    {
        await _agent.WhenIdleAsync();
        Assert.Equal(["install"], _agent.Chains.Calls); // at start, before the agent knows: fail closed

        await _agent.AssignAsync(_noPolicy);
        Assert.Equal(["install", "remove"], _agent.Chains.Calls);

        await AddAsync(OutboundSpi, TestPolicies.HostA, TestPolicies.HostB);
        await AddAsync(InboundSpi, TestPolicies.HostB, TestPolicies.HostA);
        Assert.Equal(["install", "remove", "install"], _agent.Chains.Calls);

        await DeleteAsync(OutboundSpi);
        Assert.True(_agent.Chains.Installed);
        await DeleteAsync(InboundSpi);
        Assert.Equal(["install", "remove", "install", "remove"], _agent.Chains.Calls);

        await _agent.AssignAsync(TestPolicies.Partner(TestPolicies.HostA, TestPolicies.HostB));
        Assert.True(_agent.Chains.Installed);
        await AddAsync(OutboundSpi, TestPolicies.HostA, TestPolicies.HostB);
        await _agent.AssignAsync(_noPolicy);
        Assert.True(_agent.Chains.Installed); // the manual SA still needs them
        await DeleteAsync(OutboundSpi);
        Assert.Equal(["install", "remove", "install", "remove", "install", "remove"], _agent.Chains.Calls);
    }

    [Fact]
    public async Task AgentRestart_ManualSasLoseTheirKeys_TheirTrafficIsDropped_NotSentInClear_UntilTheyAreAddedAgain()
    {
        await _agent.AssignAsync(_noPolicy);
        await AddAsync(OutboundSpi, TestPolicies.HostA, TestPolicies.HostB);
        await AddAsync(InboundSpi, TestPolicies.HostB, TestPolicies.HostA);
        Assert.Equal(PacketAction.AcceptModified, _agent.Send(TestPackets.Udp(TestPolicies.HostA, TestPolicies.HostB)).Action);

        // rampart agent restart: the data path and the bindings are reset, as a real restart would leave them.
        await Task.Run(_agent.Lifecycle.Restart);

        var rows = await ListAsync();
        Assert.Equal([OutboundSpi, InboundSpi], rows.Select(row => row.Spi));
        Assert.All(rows, row => Assert.EndsWith("(keys lost when the agent stopped: add again)", row.Security, StringComparison.Ordinal));
        var verdict = _agent.Send(TestPackets.Udp(TestPolicies.HostA, TestPolicies.HostB));
        Assert.Equal((PacketAction.Drop, DropReason.SelectorWithoutSa), (verdict.Action, verdict.Reason));
        Assert.True(_agent.Chains.Installed);

        // The same commands as before put the SAs back.
        await AddAsync(OutboundSpi, TestPolicies.HostA, TestPolicies.HostB);
        await AddAsync(InboundSpi, TestPolicies.HostB, TestPolicies.HostA);
        Assert.Equal(PacketAction.AcceptModified, _agent.Send(TestPackets.Udp(TestPolicies.HostA, TestPolicies.HostB)).Action);
        Assert.All(await ListAsync(), row => Assert.DoesNotContain("keys lost", row.Security, StringComparison.Ordinal));
        Assert.Equal(2, JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_agent.Home, "manual-sas.json"))).RootElement.GetArrayLength());
    }

    [Fact]
    public async Task AddingAnSpiInUse_IsRefused_AndLeavesTheSaAsItWas()
    {
        await _agent.AssignAsync(_noPolicy);
        await AddAsync(OutboundSpi, TestPolicies.HostA, TestPolicies.HostB);

        var again = await _agent.CommandAsync("sa.add", Arguments(OutboundSpi, TestPolicies.HostA, TestPolicies.HostB));

        Assert.False(again.Ok);
        Assert.Equal($"SPI {OutboundSpi} is already in use; delete it first", again.Error);
        Assert.True(Assert.Single(await ListAsync()).Manual);
        Assert.False((await _agent.CommandAsync("sa.delete", new SaDeleteArguments { Spi = 0x9999 })).Ok);
    }

    private static SaAddArguments Arguments(uint spi, System.Net.IPAddress source, System.Net.IPAddress destination) => new()
    {
        Src = source.ToString(),
        Dst = destination.ToString(),
        Spi = spi,
        Aead = "aes-gcm-128:" + Convert.ToHexStringLower([.. Enumerable.Range(0, 20).Select(i => (byte)(spi + i))]),
    };

    private async Task AddAsync(uint spi, System.Net.IPAddress source, System.Net.IPAddress destination)
    {
        var response = await _agent.CommandAsync("sa.add", Arguments(spi, source, destination));
        Assert.True(response.Ok, response.Error);
    }

    private async Task DeleteAsync(uint spi)
    {
        var response = await _agent.CommandAsync("sa.delete", new SaDeleteArguments { Spi = spi });
        Assert.True(response.Ok, response.Error);
    }

    private async Task<List<SaRow>> ListAsync()
    {
        var response = await _agent.CommandAsync("sa.list");
        Assert.True(response.Ok, response.Error);
        return response.Result!.Value.Deserialize<List<SaRow>>(ControlJson.Options)!;
    }
}
