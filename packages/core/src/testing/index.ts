export {};
export { registryContract, type RegistryContractFixture } from './registry-contract';
export { transportContract, type TransportContractFixture } from './transport-contract';
export { FaultyTransport, type FaultAction } from './faulty-transport';
