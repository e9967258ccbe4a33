import { mount } from 'svelte';
import App from './App.svelte';
import './views/shared/theme.css';

mount(App, { target: document.getElementById('app')! });
