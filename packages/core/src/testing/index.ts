export {};
export { registryContract, type RegistryContractFixture } from './registry-contract';
export { transportContract, type TransportContractFixture } from './transport-contract';
