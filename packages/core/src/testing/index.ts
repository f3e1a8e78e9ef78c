export {};
export { registryContract, type RegistryContractFixture } from './registry-contract';
